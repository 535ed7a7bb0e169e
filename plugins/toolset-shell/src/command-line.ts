/** How a command line runs: split into a program and its arguments, or handed to /bin/sh whole. */
export type ParsedCommand = { readonly argv: string[] } | { readonly shell: string; readonly reason: string };

/** Characters that mean something to a shell when not quoted: operators, redirections, globs, expansions. */
const SHELL_CHARS = new Set([
  ';',
  '&',
  '|',
  '<',
  '>',
  '(',
  ')',
  '`',
  '$',
  '*',
  '?',
  '[',
  ']',
  '{',
  '}',
  '~',
  '\n',
  '\r',
]);

const describe = (ch: string): string => (ch === '\n' || ch === '\r' ? 'a line break' : `'${ch}'`);

/**
 * Splits a command line the way sh would when it holds only words and quotes: 'single' quotes are literal,
 * "double" quotes honour backslash before \ " $ and `, a backslash outside quotes escapes the next character.
 * Anything a shell would interpret (operators, redirections, globs, `$`, a leading `~` or `#`, `NAME=value`
 * prefixes) makes it a shell command line instead, with the reason; the host runs those only where granted.
 */
export function parseCommandLine(line: string): ParsedCommand {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  const shell = (reason: string): ParsedCommand => ({ shell: line, reason });
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] ?? '';
    if (ch === ' ' || ch === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return shell('an unterminated quote');
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
      continue;
    }
    if (ch === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        const c = line[j] ?? '';
        if (c === '$' || c === '`') return shell(`${describe(c)} inside double quotes`);
        if (c === '\\' && j + 1 < line.length && '\\"$`'.includes(line[j + 1] ?? '')) {
          j += 1;
          word += line[j] ?? '';
        } else word += c;
      }
      if (j >= line.length) return shell('an unterminated quote');
      inWord = true;
      i = j;
      continue;
    }
    if (ch === '\\') {
      if (i + 1 >= line.length) return shell('a trailing backslash');
      i += 1;
      word += line[i] ?? '';
      inWord = true;
      continue;
    }
    if (SHELL_CHARS.has(ch)) return shell(describe(ch));
    if (ch === '#' && !inWord) return shell("a '#' comment");
    if (ch === '=' && !inWord) return shell("a word starting with '='");
    word += ch;
    inWord = true;
    if (ch === '=' && words.length === 0 && /^[A-Za-z_][A-Za-z0-9_]*=$/.test(word)) {
      return shell('a NAME=value prefix');
    }
  }
  if (inWord) words.push(word);
  return words.length === 0 ? shell('no command') : { argv: words };
}
