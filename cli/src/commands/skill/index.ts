import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { resolveHome } from '@roku/host';
import type { CliIo } from '../../io.js';
import { EXIT } from '../../io.js';
import { jsonLine } from '../../terminal-text.js';
import { table } from '../agent/render.js';
import { installSkill, readRecord, removeSkill } from './install.js';
import { maxArchiveBytes } from './source.js';

/** Where `roku skill install` puts skills, and where the skills plugin finds the user's own. */
export function skillsDirOf(io: CliIo): string {
  return join(resolveHome(io.env), 'skills');
}

async function listSkills(io: CliIo, json: boolean): Promise<number> {
  const dir = skillsDirOf(io);
  const names = (await readdir(dir, { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  const rows = await Promise.all(
    names.map(async (name) => {
      const record = await readRecord(dir, name);
      return {
        name,
        version: record?.version,
        source: record?.source ?? '(placed by hand)',
        description: record?.description,
      };
    }),
  );
  if (json) io.stdout(jsonLine({ ok: true, dir, skills: rows }));
  else if (rows.length === 0) io.stdout(`no skills installed in ${dir}\n`);
  else
    io.stdout(
      table([['NAME', 'VERSION', 'SOURCE'], ...rows.map((r) => [r.name, r.version ?? '-', r.source])]),
    );
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
    .description('install a skill from a folder, a .zip or .tar.gz file, or an https URL of one')
    .argument('<source>', 'folder, archive path or https URL')
    .option('--force', 'replace an installed skill of the same name, or install the same source again')
    .option('--json', 'print one JSON object')
    .action(async (source: string, opts: { force?: boolean; json?: boolean }) => {
      const report = await installSkill(skillsDirOf(io), source, {
        cwd: io.cwd,
        force: opts.force === true,
        maxArchiveBytes: maxArchiveBytes(io.env),
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
    .description('list the skills installed in $ROKU_HOME/skills with their source')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      setExit(await listSkills(io, opts.json === true));
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
