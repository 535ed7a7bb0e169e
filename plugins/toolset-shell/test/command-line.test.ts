import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../src/command-line.js';

describe('parseCommandLine', () => {
  it('splits words and honours quotes and backslashes as sh does', () => {
    expect(parseCommandLine(`git commit -m "fix: the \\"x\\" bug" --author='A B'`)).toEqual({
      argv: ['git', 'commit', '-m', 'fix: the "x" bug', '--author=A B'],
    });
    expect(parseCommandLine('ls  my\\ folder ""')).toEqual({ argv: ['ls', 'my folder', ''] });
  });

  it('hands anything a shell would interpret to the shell, with the reason', () => {
    for (const [line, reason] of [
      ['a; b', "';'"],
      ['a && b', "'&'"],
      ['a | b', "'|'"],
      ['a > f', "'>'"],
      ['ls *.ts', "'*'"],
      ['echo "$(id)"', "'$' inside double quotes"],
      ['echo `id`', "'`'"],
      ['FOO=1 make', 'a NAME=value prefix'],
      ["echo 'open", 'an unterminated quote'],
      ['a\nb', 'a line break'],
      ['ls ~', "'~'"],
    ]) {
      expect(parseCommandLine(line ?? '')).toEqual({ shell: line, reason });
    }
    expect(parseCommandLine("grep 'a|b;c' x")).toEqual({ argv: ['grep', 'a|b;c', 'x'] });
  });
});
