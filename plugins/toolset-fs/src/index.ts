import { definePlugin } from '@roku/plugin-api';
import { editFile } from './edit.js';
import { glob } from './glob.js';
import { grep } from './grep.js';
import { readFile } from './read.js';
import { listDir, writeFile } from './tools.js';

export { TOOLS_FS_ERRORS } from './errors.js';
export type { ToolsFsErrorCode } from './errors.js';
export type { EditFileInput, EditFileOutput } from './edit.js';
export type { GlobInput, GlobOutput } from './glob.js';
export type { GrepInput, GrepMatch, GrepOutput } from './grep.js';
export type { ReadFileInput, ReadFileOutput } from './read.js';
export type { ListDirOutput, WriteFileInput } from './tools.js';

/** Workspace file tools: read_file, list_dir, write_file, edit_file, glob, grep. */
export default definePlugin({ tools: [readFile, listDir, writeFile, editFile, glob, grep] });
