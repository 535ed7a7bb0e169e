import { escapeControls } from '@roku/host';

/**
 * Text from plugins and models as it may reach the terminal: control, bidi and other format characters shown
 * as escapes (`\x1b`, `\u202e`), so that no plugin can move the cursor, recolour or reorder the user's screen.
 */
export const safe: (text: string) => string = escapeControls;

/** Characters JSON.stringify leaves raw that a terminal would act on (it escapes C0 and lone surrogates). */
const RAW_IN_JSON = /[\u007f-\u009f\u2028\u2029]|(?![\u200c\u200d])\p{Cf}/gu;

/**
 * JSON text safe to print on a terminal and still the same JSON value: characters a terminal would act on
 * become `\uXXXX` escapes. For canonical JSON it shows exactly what a digest covers.
 */
export function terminalJson(json: string): string {
  return json.replace(RAW_IN_JSON, (c) => {
    let out = '';
    for (let i = 0; i < c.length; i += 1) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return out;
  });
}

/** One JSON line for stdout or stderr: `JSON.stringify` made terminal-safe (see {@link terminalJson}). */
export function jsonLine(value: unknown): string {
  return `${terminalJson(JSON.stringify(value))}\n`;
}
