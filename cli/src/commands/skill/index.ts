import { join } from 'node:path';
import type { Command } from 'commander';
import { resolveHome } from '@roku/host';
import type { CliIo } from '../../io.js';
import { EXIT } from '../../io.js';
import { jsonLine } from '../../terminal-text.js';
import { table } from '../agent/render.js';
import { installSkill, removeSkill } from './install.js';
import { listAllSkills } from './list.js';
import { maxArchiveBytes } from './source.js';

/** Where `roku skill install` puts skills, and where the skills plugin finds the user's own. */
export function skillsDirOf(io: CliIo): string {
  return join(resolveHome(io.env), 'skills');
}

async function listSkills(io: CliIo, configFile: string | undefined, json: boolean): Promise<number> {
  const dir = skillsDirOf(io);
  const listing = await listAllSkills(io, configFile);
  if (json) {
    io.stdout(jsonLine({ ok: true, dir, ...listing }));
    return EXIT.ok;
  }
  if (listing.skills.length === 0)
    io.stdout(`no skills in the workspace, in ${dir} or shipped by active plugins\n`);
  else
    io.stdout(
      table([
        ['NAME', 'VERSION', 'FROM', 'SOURCE'],
        ...listing.skills.map((s) => [s.name, s.version ?? '-', s.kind, s.source]),
      ]),
    );
  for (const line of listing.shadowed) io.stdout(`shadowed: ${line}\n`);
  for (const line of listing.problems) io.stdout(`problem: ${line}\n`);
  return EXIT.ok;
}

/**
 * Adds `roku skill install|list|remove`: Agent Skills of the user, in $ROKU_HOME/skills, which the skills
 * plugin offers beside the workspace's. Failures throw RokuError for `main` to print.
 *
 * @example
 * registerSkillCommands(program, io, setExit);
 */
export function registerSkillCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const skill = program
    .command('skill')
    .description('install, list and remove Agent Skills in $ROKU_HOME/skills');
  skill
    .command('install')
    .description(
      'install a skill from a folder, a .zip or .tar.gz file, an https URL of one, or a GitHub folder (…/tree/<ref>/<path>, …/blob/<ref>/<path>/SKILL.md)',
    )
    .argument('<source>', 'folder, archive path, https URL or GitHub URL')
    .option('--force', 'replace an installed skill of the same name, or install the same source again')
    .option('--json', 'print one JSON object')
    .action(async (source: string, opts: { force?: boolean; json?: boolean }) => {
      const report = await installSkill(skillsDirOf(io), source, {
        cwd: io.cwd,
        force: opts.force === true,
        maxArchiveBytes: maxArchiveBytes(io.env),
        env: io.env,
      });
      if (opts.json === true) io.stdout(jsonLine({ ok: true, ...report }));
      else if (report.outcome === 'unchanged') {
        io.stdout(
          `skill ${report.name} is already installed from ${report.source} (repeat install: nothing fetched; --force reinstalls)\n`,
        );
      } else {
        io.stdout(
          `${report.outcome} skill ${report.name}${report.version === undefined ? '' : ` ${report.version}`} (${report.files} files) in ${report.dir}\n`,
        );
      }
      setExit(EXIT.ok);
    });
  skill
    .command('list')
    .description(
      "list the skills the agent is offered: the workspace's, those installed in $ROKU_HOME/skills and those shipped by active plugins, with their source",
    )
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      setExit(await listSkills(io, program.opts<{ config?: string }>().config, opts.json === true));
    });
  skill
    .command('remove')
    .description('remove a skill installed in $ROKU_HOME/skills')
    .argument('<name>', 'skill name')
    .option('--json', 'print one JSON object')
    .action(async (name: string, opts: { json?: boolean }) => {
      await removeSkill(skillsDirOf(io), name);
      io.stdout(opts.json === true ? jsonLine({ ok: true, removed: name }) : `removed skill ${name}\n`);
      setExit(EXIT.ok);
    });
}
