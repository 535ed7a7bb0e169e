import { definePlugin } from '@roku/plugin-api';
import { listDir, readFile, writeFile } from './tools.js';

export { TOOLS_FS_ERRORS } from './errors.js';
export type { ToolsFsErrorCode } from './errors.js';
export type { ListDirOutput, ReadFileInput, ReadFileOutput, WriteFileInput } from './tools.js';

/** Workspace file tools: read_file, list_dir, write_file. */
export default definePlugin({ tools: [readFile, listDir, writeFile] });
