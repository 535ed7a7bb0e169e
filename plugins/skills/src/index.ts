import { definePlugin } from '@roku/plugin-api';
import { skillList, skillLoad, skillReadFile } from './tools.js';

export { SKILLS_ERRORS } from './errors.js';
export type { SkillsErrorCode } from './errors.js';
export { parseSkillMarkdown } from './skill-files.js';
export type { SkillDocument, SkillInfo } from './skill-files.js';

/** Agent Skills of the workspace: skill_list, skill_load, skill_read_file. */
export default definePlugin({ tools: [skillList, skillLoad, skillReadFile] });
