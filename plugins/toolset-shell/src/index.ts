import { definePlugin } from '@roku/plugin-api';
import { runCommand } from './run-command.js';

export { TOOLS_SHELL_ERRORS } from './errors.js';
export type { ToolsShellErrorCode } from './errors.js';
export { parseCommandLine } from './command-line.js';
export type { ParsedCommand } from './command-line.js';
export type { RunCommandInput, RunCommandOutput } from './run-command.js';

/** The shell tool: run_command. */
export default definePlugin({ tools: [runCommand] });
