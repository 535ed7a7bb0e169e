import type { CodesOf, ErrorCatalog } from '@roku/plugin-api';

/** Error codes raised by @roku/plugin-skills. Codes are API: never renamed or reused. */
export const SKILLS_ERRORS = {
  ROKU_SKILL_NOT_FOUND:
    'No skill of that name is in the workspace skill folders (.roku/skills, skills) nor in $ROKU_HOME/skills.',
  ROKU_SKILL_BAD_MANIFEST:
    'A SKILL.md has no YAML front matter with a name and a description, or it is larger than the 128 KiB cap.',
  ROKU_SKILL_BAD_FILE: 'A skill file name is not a path inside the skill folder, or the file is not text.',
} as const satisfies ErrorCatalog;

export type SkillsErrorCode = keyof typeof SKILLS_ERRORS;

declare module '@roku/plugin-api' {
  // Lets `new RokuError(code, …)` accept this catalog's codes, and no misspelling of them.
  interface PluginErrorCodes extends CodesOf<typeof SKILLS_ERRORS> {}
}
