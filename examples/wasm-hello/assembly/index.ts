// Example Roku wasm plugin in AssemblyScript: a greeting and a page-title fetcher.
import { Request, Result, httpGet, jsonString, log, tool } from '@roku/plugin-api/assembly';

// The ABI exports live in the library; re-exporting them makes them exports of the wasm module.
export { call, describe } from '@roku/plugin-api/assembly';

/** Largest part of a page fetch_title reads: the <title> is near the top. */
const MAX_PAGE_BYTES: i32 = 256 * 1024;

function greet(req: Request): Result {
  const name = req.inputString('name', 'world');
  return Result.ok('{"greeting":' + jsonString('Hello, ' + name + '!') + '}');
}

/** Text between <title> and </title> (case-insensitive tag), whitespace collapsed; null when absent. */
function findTitle(html: string): string | null {
  const lower = html.toLowerCase();
  const open = lower.indexOf('<title');
  if (open < 0) return null;
  const start = lower.indexOf('>', open);
  if (start < 0) return null;
  const end = lower.indexOf('</title', start);
  if (end < 0) return null;
  const words = html.substring(start + 1, end).split(' ');
  const kept = new Array<string>();
  for (let i = 0; i < words.length; i++) {
    const w = words[i].trim();
    if (w.length > 0) kept.push(w);
  }
  return kept.join(' ');
}

function fetchTitle(req: Request): Result {
  const url = req.input().getString('url');
  if (url === null) return Result.error('BAD_INPUT', 'url is required');
  log('debug', 'fetching ' + url);
  const response = httpGet(url, MAX_PAGE_BYTES);
  const error = response.error;
  if (error !== null) return Result.error(error, response.message);
  const title = findTitle(response.body);
  return Result.ok(
    '{"status":' +
      response.status.toString() +
      ',"title":' +
      (title !== null ? jsonString(title) : 'null') +
      '}',
  );
}

tool('greet', greet);
tool('fetch_title', fetchTitle);
