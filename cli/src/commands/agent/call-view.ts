import { safe } from './render.js';

/** Longest screen line of a call view; longer lines continue on the next one after `┆`. */
const WIDTH = 160;

function wrap(line: string, first: string, rest: string): string[] {
  const out: string[] = [];
  let text = line;
  let prefix = first;
  do {
    let cut = Math.min(text.length, WIDTH);
    // Never cut a surrogate pair in half.
    if (cut < text.length && /[\ud800-\udbff]/.test(text.charAt(cut - 1))) cut -= 1;
    out.push(`${prefix}${text.slice(0, cut)}`);
    text = text.slice(cut);
    prefix = rest;
  } while (text.length > 0);
  return out;
}

function sortedKeys(value: object): string[] {
  return Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A string argument: short ones quoted on the key's line, long or multi-line ones as a block under it. */
function stringLines(key: string, value: string): string[] {
  const head = `  ${safe(key)}: `;
  if (!value.includes('\n') && value.length <= WIDTH - head.length - 2) {
    return [`${head}${safe(JSON.stringify(value))}`];
  }
  const lines = value.replace(/\r\n/g, '\n').split('\n');
  // Every line of the value sits behind a gutter, so text in it cannot pass for another argument.
  return [
    `${head}(${lines.length} line${lines.length === 1 ? '' : 's'}, ${value.length} characters)`,
    ...lines.flatMap((line) => wrap(safe(line), '    │ ', '    ┆ ')),
  ];
}

/**
 * A tool call's arguments, whole, as lines for a person to review before approving: keys in canonical
 * order, strings as text blocks behind a gutter, other values as indented JSON. Every character a plugin or
 * model supplied is escaped when unsafe for a terminal; nothing is cut (long lines continue after `┆`).
 */
export function callLines(args: unknown): string[] {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    return ((JSON.stringify(args, null, 2) as string | undefined) ?? String(args))
      .split('\n')
      .flatMap((line) => wrap(safe(line), '  ', '  ┆ '));
  }
  const record = args as Readonly<Record<string, unknown>>;
  const keys = sortedKeys(record);
  if (keys.length === 0) return ['  (no arguments)'];
  return keys.flatMap((key) => {
    const value = record[key];
    if (typeof value === 'string') return stringLines(key, value);
    // undefined for values JSON cannot carry
    const json = ((JSON.stringify(value, null, 2) as string | undefined) ?? 'null').split('\n');
    return [
      ...wrap(safe(`${key}: ${json[0] ?? ''}`), '  ', '  ┆ '),
      ...json.slice(1).flatMap((line) => wrap(safe(line), '    ', '    ┆ ')),
    ];
  });
}
