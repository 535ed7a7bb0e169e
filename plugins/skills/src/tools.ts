import { defineTool, RokuError } from '@roku/plugin-api';
import type { PluginContext } from '@roku/plugin-api';
import { DEFAULT_BODY_BYTES, findSkills, joinPath, readSkill, skillFiles } from './skill-files.js';
import type { SkillInfo } from './skill-files.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/** `text` cut to at most `max` bytes of UTF-8, with a marker. */
function capText(text: string, max: number): { text: string; truncated: boolean } {
  const bytes = encoder.encode(text);
  if (bytes.length <= max) return { text, truncated: false };
  let cut = max;
  while (cut > 0 && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut -= 1;
  return {
    text: `${decoder.decode(bytes.subarray(0, cut))}\n[truncated: ${cut} of ${bytes.length} bytes shown]`,
    truncated: true,
  };
}

async function skillNamed(ctx: PluginContext, name: string): Promise<SkillInfo> {
  const { skills } = await findSkills(ctx);
  const skill = skills.find((s) => s.name === name);
  if (skill === undefined) {
    const known = skills.map((s) => s.name).join(', ');
    throw new RokuError(
      'ROKU_SKILL_NOT_FOUND',
      `skill ${JSON.stringify(name)} is not in .roku/skills or skills of the workspace nor in $ROKU_HOME/skills nor shipped by an active plugin (skills: ${known === '' ? 'none' : known})`,
    );
  }
  return skill;
}

/** skill_list: names, descriptions and sources of the skills; bodies stay unread until skill_load. */
export const skillList = defineTool({
  name: 'skill_list',
  handler: async (_input: Record<string, never>, ctx: PluginContext) => {
    const { skills, problems, shadowed } = await findSkills(ctx);
    return {
      skills: skills.map(({ name, description, source, plugin }) => ({
        name,
        description,
        source,
        ...(plugin === undefined ? {} : { plugin }),
      })),
      ...(problems.length === 0 ? {} : { problems }),
      ...(shadowed.length === 0 ? {} : { shadowed }),
    };
  },
});

/** skill_load: one skill's instructions (SKILL.md body) and the names of its other files. */
export const skillLoad = defineTool({
  name: 'skill_load',
  handler: async (input: { readonly name: string; readonly maxBytes?: number }, ctx: PluginContext) => {
    const skill = await skillNamed(ctx, input.name);
    const document = await readSkill(ctx, skill);
    const body = capText(document.body, Math.min(128 * 1024, input.maxBytes ?? DEFAULT_BODY_BYTES));
    return {
      name: skill.name,
      description: skill.description,
      folder: skill.shown,
      source: skill.source,
      ...(skill.plugin === undefined ? {} : { plugin: skill.plugin }),
      ...(skill.version === undefined ? {} : { version: skill.version }),
      instructions: body.text,
      truncated: body.truncated,
      files: await skillFiles(ctx, skill),
    };
  },
});

/** skill_read_file: a text file of a skill folder (a reference document, a template, a script to read). */
export const skillReadFile = defineTool({
  name: 'skill_read_file',
  handler: async (input: { readonly name: string; readonly file: string }, ctx: PluginContext) => {
    const skill = await skillNamed(ctx, input.name);
    const segments = input.file.split('/').filter((s) => s !== '' && s !== '.');
    if (
      segments.length === 0 ||
      segments.includes('..') ||
      input.file.startsWith('/') ||
      input.file.includes('\\')
    ) {
      throw new RokuError(
        'ROKU_SKILL_BAD_FILE',
        `skill_read_file: ${JSON.stringify(input.file)} is not a path inside the skill folder (e.g. reference/api.md)`,
      );
    }
    // Only ever read: a script is text here; running it is run_command's job, which asks the user.
    const bytes = await ctx.fs.readBytes(skill.root, joinPath(skill.folder, segments.join('/')));
    if (bytes.subarray(0, 8192).includes(0)) {
      throw new RokuError(
        'ROKU_SKILL_BAD_FILE',
        `skill_read_file: ${segments.join('/')} is binary; only text files are read`,
      );
    }
    const capped = capText(decoder.decode(bytes), DEFAULT_BODY_BYTES);
    return { name: skill.name, file: segments.join('/'), content: capped.text, truncated: capped.truncated };
  },
});
