import type { Command } from 'commander';
import { RokuError } from '@roku/schemas';
import type { CliIo } from '../../io.js';
import { EXIT } from '../../io.js';
import { jsonLine, safe } from '../../terminal-text.js';
import { configFilePath, importedEntry, readConfigObject, serversOf, writeServers } from './config-file.js';
import type { McpEntry } from './config-file.js';
import { mcpServeCommand } from './serve.js';
import { registerPinCommands } from './pins.js';
import { registerShowCommand, runningStatus, statusText } from './show.js';

const NAME = /^[A-Za-z0-9_-]{1,48}$/;

function checkName(name: string): void {
  if (!NAME.test(name)) {
    throw new RokuError(
      'ROKU_CLI_USAGE',
      `server name "${name}" must be 1-48 letters, digits, '_' or '-' (it becomes part of mcp__<server>__<tool>)`,
    );
  }
}

/** `KEY=VALUE` (env) or `Name: value` (headers) pairs into an object. */
function pairs(items: readonly string[], sep: string, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const at = item.indexOf(sep);
    if (at <= 0) throw new RokuError('ROKU_CLI_USAGE', `${what} "${item}" must look like NAME${sep}value`);
    out[item.slice(0, at).trim()] = item.slice(at + 1).trim();
  }
  return out;
}

function describe(entry: McpEntry): string {
  const disabled = entry.disabled === true ? ' (disabled)' : '';
  if (entry.type === 'http' || entry.type === 'sse')
    return `${entry.type === 'sse' ? 'sse ' : 'http'}  ${String(entry.url)}${disabled}`;
  const args = Array.isArray(entry.args) ? entry.args.map(String) : [];
  const env = Object.keys((entry.env as Record<string, string> | undefined) ?? {});
  return `stdio ${[String(entry.command), ...args].join(' ')}${env.length > 0 ? `  env: ${env.join(', ')}` : ''}${disabled}`;
}

interface AddOptions {
  sse?: boolean;
  env?: string[];
  header?: string[];
  json?: boolean;
}

/** `roku mcp add|list|remove|import`: the host config's `mcpServers`. */
export function registerMcpCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const file = (): string => configFilePath(io, program.opts<{ config?: string }>().config);
  const mcp = program
    .command('mcp')
    .description("MCP servers whose tools the agent gets (the config's mcpServers)");

  mcp
    .command('add')
    .description(
      'add or replace a server: a command (stdio; put it after --) or an http(s) URL (Streamable HTTP)',
    )
    .argument('<name>', 'server name: tools appear as mcp__<name>__<tool>')
    .argument('<command-or-url>', 'program to start, or the server URL')
    .argument('[args...]', "the program's arguments")
    .option(
      '--env <KEY=VALUE...>',
      'environment variable for the process (it gets only these, PATH and HOME)',
    )
    .option('--header <Name:value...>', 'header sent to an http server')
    .option(
      '--sse',
      'the server speaks the older HTTP+SSE transport (an http server falls back to it by itself)',
    )
    .option('--json', 'print one JSON object')
    .action((name: string, target: string, args: string[], opts: AddOptions) => {
      checkName(name);
      const path = file();
      const config = readConfigObject(path);
      const servers = serversOf(config);
      const isUrl = /^https?:\/\//.test(target);
      if (opts.sse === true && !isUrl) throw new RokuError('ROKU_CLI_USAGE', '--sse is for a server URL');
      const entry: McpEntry = isUrl
        ? { type: opts.sse === true ? 'sse' : 'http', url: target }
        : { command: target };
      if (isUrl && args.length > 0)
        throw new RokuError('ROKU_CLI_USAGE', 'an http server takes no arguments');
      if (!isUrl && args.length > 0) entry.args = args;
      if (opts.env !== undefined) {
        if (isUrl)
          throw new RokuError('ROKU_CLI_USAGE', '--env is for a command; an http server takes --header');
        entry.env = pairs(opts.env, '=', '--env');
      }
      if (opts.header !== undefined) {
        if (!isUrl) throw new RokuError('ROKU_CLI_USAGE', '--header is for an http server');
        entry.headers = pairs(opts.header, ':', '--header');
      }
      const replaced = servers[name] !== undefined;
      servers[name] = entry;
      writeServers(path, config, servers);
      if (opts.json === true) io.stdout(jsonLine({ ok: true, name, entry, replaced, file: path }));
      else io.stdout(`${replaced ? 'replaced' : 'added'} ${name}: ${safe(describe(entry))}\n`);
      setExit(EXIT.ok);
    });

  mcp
    .command('list')
    .description('list the configured servers')
    .option('--json', 'print one JSON object')
    .action((opts: { json?: boolean }) => {
      const path = file();
      const servers = serversOf(readConfigObject(path));
      const running = runningStatus(io);
      if (opts.json === true) {
        const status = Object.fromEntries(Object.keys(servers).map((n) => [n, running.get(n) ?? []]));
        io.stdout(jsonLine({ ok: true, file: path, servers, status }));
      } else if (Object.keys(servers).length === 0) io.stdout(`no MCP servers in ${path}\n`);
      else
        for (const [name, entry] of Object.entries(servers))
          io.stdout(`${name}  ${safe(describe(entry))}${safe(statusText(running.get(name)))}\n`);
      setExit(EXIT.ok);
    });

  registerShowCommand(mcp, io, file, setExit);
  registerPinCommands(mcp, io, setExit);

  mcp
    .command('remove')
    .description('remove a server')
    .argument('<name>', 'server name')
    .option('--json', 'print one JSON object')
    .action((name: string, opts: { json?: boolean }) => {
      const path = file();
      const config = readConfigObject(path);
      const servers = serversOf(config);
      if (servers[name] === undefined) {
        throw new RokuError('ROKU_CLI_NOT_FOUND', `no MCP server named "${name}" in ${path}`, {
          details: { name, file: path },
        });
      }
      writeServers(path, config, Object.fromEntries(Object.entries(servers).filter(([key]) => key !== name)));
      if (opts.json === true) io.stdout(jsonLine({ ok: true, removed: name }));
      else io.stdout(`removed ${name}\n`);
      setExit(EXIT.ok);
    });

  mcp
    .command('import')
    .description("import the mcpServers of another tool's file (Claude Desktop, Cursor, VS Code)")
    .argument('<file>', 'a JSON file with an mcpServers (or servers) object')
    .option('--overwrite', 'replace servers of the same name')
    .option('--json', 'print one JSON object')
    .action((source: string, opts: { overwrite?: boolean; json?: boolean }) => {
      importServers(io, source, file(), opts);
      setExit(EXIT.ok);
    });

  mcp
    .command('serve')
    .description(
      "serve the plugins' tools to any MCP client over stdio (each call sandboxed and approved; roku serve has /mcp)",
    )
    .option('--allow <tool...>', 'tools that run without asking (deny patterns still apply)')
    .action(async (opts: { allow?: string[] }) => {
      setExit(await mcpServeCommand(io, program.opts<{ config?: string }>().config, opts));
    });
}

/** `roku mcp import`: the foreign file's servers that fit, each skipped one with why. */
function importServers(
  io: CliIo,
  source: string,
  path: string,
  opts: { overwrite?: boolean; json?: boolean },
): void {
  const foreign = readConfigObject(configFilePath(io, source));
  const raw = foreign.mcpServers ?? foreign.servers;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new RokuError('ROKU_CONFIG_MALFORMED', `${source} has no "mcpServers" object`, {
      details: { file: source },
    });
  }
  const config = readConfigObject(path);
  const servers = serversOf(config);
  const added: string[] = [];
  const skipped: { name: string; why: string }[] = [];
  const notes: string[] = [];
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    const result = NAME.test(name)
      ? importedEntry(value)
      : { problem: 'name is not 1-48 letters, digits, _ or -' };
    if ('problem' in result) skipped.push({ name, why: result.problem });
    else if (servers[name] !== undefined && opts.overwrite !== true)
      skipped.push({ name, why: 'already configured (--overwrite replaces it)' });
    else {
      servers[name] = result.entry;
      added.push(name);
      if (result.dropped.length > 0) notes.push(`${name}: ignored ${result.dropped.join(', ')}`);
    }
  }
  if (added.length > 0) writeServers(path, config, servers);
  if (opts.json === true) io.stdout(jsonLine({ ok: true, added, skipped, notes, file: path }));
  else {
    io.stdout(
      `imported ${added.length} server${added.length === 1 ? '' : 's'}${added.length > 0 ? `: ${safe(added.join(', '))}` : ''}\n`,
    );
    for (const s of skipped) io.stdout(`skipped ${safe(s.name)}: ${safe(s.why)}\n`);
    for (const n of notes) io.stdout(`${safe(n)}\n`);
  }
}
