import type { Command } from 'commander';
import { McpConnection, createRootLogger, readMcpStatus, resolveHome } from '@roku/host';
import type { McpServerStatus } from '@roku/host';
import { RokuError, createHostConfigValidator } from '@roku/schemas';
import type { ResolvedHostConfig } from '@roku/schemas';
import type { CliIo } from '../../io.js';
import { EXIT } from '../../io.js';
import { jsonLine, safe } from '../../terminal-text.js';
import { readConfigObject, serversOf } from './config-file.js';

/** What running roku processes see of each server, by name (connected, reconnecting, failed). */
export function runningStatus(io: CliIo): Map<string, { pid: number; status: McpServerStatus }[]> {
  const byName = new Map<string, { pid: number; status: McpServerStatus }[]>();
  for (const p of readMcpStatus(resolveHome(io.env))) {
    for (const [name, status] of Object.entries(p.servers)) {
      byName.set(name, [...(byName.get(name) ?? []), { pid: p.pid, status }]);
    }
  }
  return byName;
}

/** `[connected, 3 tools, pid 12]` and the like, for `roku mcp list`. */
export function statusText(seen: readonly { pid: number; status: McpServerStatus }[] | undefined): string {
  if (seen === undefined || seen.length === 0) return '';
  return seen
    .map(({ pid, status }) =>
      status.status === 'connected'
        ? `  [connected, ${String(status.tools ?? 0)} tools, ${status.wire ?? '?'}, pid ${String(pid)}]`
        : `  [${status.status}, pid ${String(pid)}: ${status.problem ?? ''}]`,
    )
    .join('');
}

type Entry = NonNullable<NonNullable<ResolvedHostConfig['mcpServers']>[string]>;

/** The named server's entry, validated as the host would. */
function entryOf(file: string, name: string): Entry {
  const raw = serversOf(readConfigObject(file))[name];
  if (raw === undefined) {
    throw new RokuError('ROKU_CLI_NOT_FOUND', `no MCP server named "${name}" in ${file}`, {
      details: { name, file },
    });
  }
  const checked = createHostConfigValidator().validate({ mcpServers: { [name]: raw } });
  if (!checked.ok) {
    const issue = checked.issues[0];
    throw new RokuError(
      'ROKU_CONFIG_INVALID',
      `${file}: /mcpServers/${name}${issue?.path ?? ''} ${issue?.message ?? 'is invalid'}`,
      { details: { file, name } },
    );
  }
  const entry = checked.value.mcpServers?.[name];
  if (entry === undefined) throw new RokuError('ROKU_CLI_NOT_FOUND', `no MCP server named "${name}"`);
  return entry;
}

/** `roku mcp show <name>`: connects once and prints the server's tools, resources and prompts. */
export function registerShowCommand(
  mcp: Command,
  io: CliIo,
  file: () => string,
  setExit: (code: number) => void,
): void {
  mcp
    .command('show')
    .description('connect to a server once and list its tools, resources and prompts')
    .argument('<name>', 'server name')
    .option('--json', 'print one JSON object')
    .action(async (name: string, opts: { json?: boolean }) => {
      const entry = entryOf(file(), name);
      const home = resolveHome(io.env);
      const { connection, tools, protocol, wire } = await McpConnection.open(name, entry, {
        workspace: io.cwd,
        hidden: [home],
        logger: createRootLogger({ level: 'silent' }),
      });
      try {
        const offers = connection.offers;
        const resources = offers.resources
          ? ((await connection.list('resources')) as { resources: unknown[]; resourceTemplates: unknown[] })
          : { resources: [], resourceTemplates: [] };
        const prompts = offers.prompts
          ? ((await connection.list('prompts')) as { prompts: unknown[] }).prompts
          : [];
        if (opts.json === true) {
          io.stdout(jsonLine({ ok: true, name, protocol, wire, tools, ...resources, prompts }));
        } else {
          io.stdout(`${safe(name)}: ${safe(wire)}, protocol ${safe(protocol)}\n`);
          const line = (label: string, items: readonly unknown[], key: string): void => {
            io.stdout(`${label} (${String(items.length)}):\n`);
            for (const item of items) {
              const it = item as Record<string, unknown>;
              const about =
                typeof it.description === 'string' ? `  ${it.description.split('\n')[0] ?? ''}` : '';
              const label = typeof it[key] === 'string' ? it[key] : '?';
              io.stdout(`  ${safe(label)}${safe(about.slice(0, 120))}\n`);
            }
          };
          line('tools', tools, 'name');
          line('resources', resources.resources, 'uri');
          line('resource templates', resources.resourceTemplates, 'uriTemplate');
          line('prompts', prompts, 'name');
        }
      } finally {
        await connection.close();
      }
      setExit(EXIT.ok);
    });
}
