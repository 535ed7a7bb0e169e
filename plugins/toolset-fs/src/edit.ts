import { defineTool, RokuError } from '@roku/plugin-api';
import type { PluginContext } from '@roku/plugin-api';
import { createTwoFilesPatch } from 'diff';
import { workspacePath } from './paths.js';
import { decodeUtf8, readTextBytes, utf8Length } from './text.js';

/** A diff longer than this is cut: the model needs the gist, the file holds the rest. */
export const MAX_DIFF_CHARS = 8000;
/** Lines named in an "occurs N times" error. */
const SHOWN_LINES = 10;

export interface EditFileInput {
  readonly path: string;
  readonly oldString: string;
  readonly newString: string;
  readonly replaceAll?: boolean;
}
export interface EditFileOutput {
  readonly path: string;
  readonly replacements: number;
  readonly bytes: number;
  /** Unified diff of the change, three lines of context. */
  readonly diff: string;
}

/** 1-based line numbers where `needle` starts in `text`. */
function occurrences(text: string, needle: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let scanned = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) {
    for (let i = scanned; i < at; i++) if (text.charCodeAt(i) === 10) line += 1;
    scanned = at;
    lines.push(line);
  }
  return lines;
}

/** Why an edit cannot be made, with what the model can do about it. */
function refusal(path: string, input: EditFileInput, text: string, found: number[]): RokuError | undefined {
  const where = `edit_file: ${JSON.stringify(path)}`;
  if (input.oldString === '') {
    return new RokuError(
      'ROKU_WORKSPACE_EDIT_NO_CHANGE',
      `${where}: oldString is empty; use write_file to create a file`,
    );
  }
  if (input.oldString === input.newString) {
    return new RokuError('ROKU_WORKSPACE_EDIT_NO_CHANGE', `${where}: oldString and newString are the same`);
  }
  if (found.length === 0) {
    const trimmed = input.oldString.trim();
    const hint =
      trimmed !== input.oldString && trimmed !== '' && text.includes(trimmed)
        ? ' (it does without its leading/trailing whitespace: copy the exact text)'
        : '; read the file again and copy the exact text, whitespace included';
    return new RokuError(
      'ROKU_WORKSPACE_EDIT_NOT_FOUND',
      `${where}: oldString does not occur in the file${hint}`,
    );
  }
  if (found.length > 1 && input.replaceAll !== true) {
    const shown = found.slice(0, SHOWN_LINES).join(', ') + (found.length > SHOWN_LINES ? ', …' : '');
    return new RokuError(
      'ROKU_WORKSPACE_EDIT_AMBIGUOUS',
      `${where}: oldString occurs ${found.length} times (lines ${shown}); add surrounding lines to make it unique, or set replaceAll`,
    );
  }
  return undefined;
}

/**
 * edit_file: replaces an exact string in a workspace text file, refusing when it is missing or occurs more than
 * once (unless replaceAll); returns a unified diff of the change.
 *
 * @throws ROKU_WORKSPACE_EDIT_NOT_FOUND, ROKU_WORKSPACE_EDIT_AMBIGUOUS, ROKU_WORKSPACE_EDIT_NO_CHANGE,
 *   ROKU_WORKSPACE_BINARY_FILE, ROKU_WORKSPACE_FILE_TOO_LARGE
 */
export const editFile = defineTool({
  name: 'edit_file',
  handler: async (input: EditFileInput, ctx: PluginContext): Promise<EditFileOutput> => {
    const path = workspacePath('edit_file', input.path, { allowRoot: false });
    const before = decodeUtf8(await readTextBytes(ctx, 'edit_file', path));
    const found = occurrences(before, input.oldString);
    const problem = refusal(path, input, before, found);
    if (problem !== undefined) throw problem;
    // split/join: a replacement string's `$&` and `$1` stay literal, unlike String.replace.
    const after = before.split(input.oldString).join(input.newString);
    await ctx.fs.writeText('workspace', path, after);
    const patch = createTwoFilesPatch(`a/${path}`, `b/${path}`, before, after, undefined, undefined, {
      context: 3,
    });
    // The header's "Index:"/"====" lines say nothing the ---/+++ lines do not.
    const diff = patch.replace(/^={5,}\n/m, '');
    return {
      path,
      replacements: found.length,
      bytes: utf8Length(after),
      diff:
        diff.length > MAX_DIFF_CHARS
          ? `${diff.slice(0, MAX_DIFF_CHARS)}\n[diff truncated: ${MAX_DIFF_CHARS} of ${diff.length} characters shown]`
          : diff,
    };
  },
});
