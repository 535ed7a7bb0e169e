import { definePlugin } from '@roku/plugin-api';
import { fetchUrl } from './fetch-url.js';

export { TOOLS_WEB_ERRORS } from './errors.js';
export type { ToolsWebErrorCode } from './errors.js';
export type { FetchUrlInput, FetchUrlOutput } from './fetch-url.js';

/** The web tool: fetch_url. */
export default definePlugin({ tools: [fetchUrl] });
