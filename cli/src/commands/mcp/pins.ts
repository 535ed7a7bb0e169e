import type { Command } from 'commander';
import { McpPins, pinsFile, resolveHome } from '@roku/host';
import { RokuError } from '@roku/schemas';
import type { CliIo } from '../../io.js';
import { EXIT } from '../../io.js';
import { jsonLine, safe } from '../../terminal-text.js';

/** `roku mcp pins list|reset`: the tool definitions pinned when the user approved them. */
export function registerPinCommands(mcp: Command, io: CliIo, setExit: (code: number) => void): void {
  const pins = (): McpPins => new McpPins(pinsFile(resolveHome(io.env)));
  const group = mcp
    .command('pins')
    .description('tool definitions pinned at their first approval (a changed one is blocked or asks again)');

  group
    .command('list')
    .description('list the pinned tools')
    .argument('[server]', 'only this server')
    .option('--json', 'print one JSON object')
    .action((server: string | undefined, opts: { json?: boolean }) => {
      const store = pins();
      const listed = store.list(server);
      if (opts.json === true) io.stdout(jsonLine({ ok: true, file: store.file, pins: listed }));
      else if (Object.keys(listed).length === 0) io.stdout('no pinned MCP tools\n');
      else {
        for (const [name, tools] of Object.entries(listed)) {
          for (const [tool, pin] of Object.entries(tools)) {
            io.stdout(
              `${safe(name)}  ${safe(tool)}  ${pin.hash.slice(0, 12)}  pinned ${safe(pin.pinnedAt)}\n`,
            );
          }
        }
      }
      setExit(EXIT.ok);
    });

  group
    .command('reset')
    .description(
      "forget a server's pins (or one tool's): the next approved call pins the definition it has then",
    )
    .argument('<server>', 'server name')
    .argument('[tool]', "the server's own tool name (all of its tools when left out)")
    .option('--json', 'print one JSON object')
    .action((server: string, tool: string | undefined, opts: { json?: boolean }) => {
      const removed = pins().reset(server, tool);
      if (removed === 0) {
        throw new RokuError(
          'ROKU_CLI_NOT_FOUND',
          `no pinned ${tool === undefined ? 'tools' : `tool "${tool}"`} of MCP server "${server}"`,
          { details: { server, ...(tool === undefined ? {} : { tool }) } },
        );
      }
      if (opts.json === true) io.stdout(jsonLine({ ok: true, server, removed }));
      else io.stdout(`forgot ${removed} pin${removed === 1 ? '' : 's'} of ${safe(server)}\n`);
      setExit(EXIT.ok);
    });
}
