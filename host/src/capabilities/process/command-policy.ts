import { denied, quote } from '../policy.js';
import type { ProcessPolicy } from '../policy.js';

/** A command the policy let through: a program with its arguments, or a /bin/sh command line. */
export type CheckedCommand =
  | {
      readonly mode: 'exec';
      readonly program: string;
      readonly args: readonly string[];
      readonly line: string;
    }
  | { readonly mode: 'shell'; readonly program: string; readonly line: string };

/**
 * Commands refused whatever is granted (spec §4.1: rm -rf /, mkfs., dd if=, > /dev/sd, a fork bomb, and
 * shutdown/reboot as the sixth). Host-authored patterns, matched against a command line of single spaces.
 */
const HOST_DENY: readonly { readonly what: string; readonly pattern: RegExp }[] = [
  {
    what: 'recursive removal of / or a home folder',
    pattern:
      /(^|[\s;&|(])rm (-[A-Za-z-]+ )*-[A-Za-z]*[rR][A-Za-z]* (-[A-Za-z-]+ )*(\/|\/\*|~|~\/|\$HOME)( |$)/,
  },
  { what: 'making a filesystem (mkfs)', pattern: /(^|[\s;&|(/])mkfs(\.|\s|$)/ },
  { what: 'raw disk copies (dd if=)', pattern: /(^|[\s;&|(/])dd( [^ ]+)* if=/ },
  { what: 'writing to a disk device', pattern: />\s*\/dev\/(sd|hd|vd|xvd|nvme|mmcblk)/ },
  { what: 'a fork bomb', pattern: /:\s*\(\s*\)\s*\{[^}]*:\s*\|\s*:/ },
  { what: 'shutting the machine down', pattern: /(^|[\s;&|(/])(shutdown|reboot|halt|poweroff)( |$)/ },
];

/**
 * Programs that run other programs or command lines: allowing one would be allowing a shell, so they run only
 * where the user granted shell command lines (`plugins.grants[id].process.shell`).
 */
const SHELL_LIKE: ReadonlySet<string> = new Set([
  'sh',
  'bash',
  'dash',
  'zsh',
  'ksh',
  'mksh',
  'fish',
  'csh',
  'tcsh',
  'busybox',
  'env',
  'xargs',
  'sudo',
  'su',
  'doas',
  'nohup',
  'setsid',
  'timeout',
  'nice',
  'ionice',
  'chroot',
  'unshare',
  'nsenter',
  'bwrap',
  'script',
  'strace',
  'ltrace',
  'gdb',
  'watch',
  'flock',
  'stdbuf',
  'time',
  'exec',
  'eval',
  'command',
]);

const PROGRAM_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

/** Whitespace runs to one space, for matching deny text however the command was spaced. */
export function normalizeLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The first word of a shell command line (after variable assignments), for the allowlist. */
function firstWord(line: string): string {
  for (const word of line.split(' ')) {
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) continue;
    return word.replace(/^[({]+/, '');
  }
  return '';
}

function refuseDenied(pluginId: string, line: string, policy: ProcessPolicy): void {
  for (const rule of HOST_DENY) {
    if (rule.pattern.test(line)) {
      throw denied(
        `${pluginId}: command ${quote(line)} refused: it is on the host's deny list (${rule.what})`,
        {
          rule: 'host',
        },
      );
    }
  }
  for (const text of policy.deny) {
    if (line.includes(normalizeLine(text))) {
      throw denied(
        `${pluginId}: command ${quote(line)} refused: it contains ${quote(text)}, which is denied`,
        {
          rule: 'deny',
          pattern: text,
        },
      );
    }
  }
}

function refuseProgram(pluginId: string, program: string, policy: ProcessPolicy): void {
  if (!PROGRAM_NAME.test(program)) {
    throw denied(
      `${pluginId}: program ${quote(program)} refused: give a program name found on PATH, not a path`,
    );
  }
  if (!policy.programs.has(program)) {
    const allowed = [...policy.programs].sort().join(', ');
    throw denied(
      `${pluginId}: program ${quote(program)} is not allowed (allowed: ${allowed === '' ? 'none' : allowed}); the user can add it in plugins.grants["${pluginId}"].process.programs`,
      { program },
    );
  }
  if (SHELL_LIKE.has(program) && !policy.shell) {
    throw denied(
      `${pluginId}: program ${quote(program)} runs other commands, which needs shell command lines granted (plugins.grants["${pluginId}"].process.shell)`,
      { program },
    );
  }
}

/**
 * Checks a command against the plugin's process policy: program allowlist, deny lists, shell mode.
 *
 * @throws ROKU_CAPABILITY_DENIED naming the rule that refused it
 */
export function checkCommand(
  pluginId: string,
  policy: ProcessPolicy,
  request: { readonly argv: readonly string[] } | { readonly shell: string },
): CheckedCommand {
  if ('shell' in request) {
    const line = normalizeLine(request.shell);
    if (!policy.shell) {
      throw denied(
        `${pluginId}: command line ${quote(line)} needs a shell (pipes, ;, &&, redirections or substitutions); shell command lines are not granted: run one program at a time, or the user can grant plugins.grants["${pluginId}"].process.shell`,
        { rule: 'shell' },
      );
    }
    refuseDenied(pluginId, line, policy);
    refuseProgram(pluginId, firstWord(line), policy);
    return { mode: 'shell', program: 'sh', line };
  }
  const [program, ...args] = request.argv;
  if (program === undefined) throw denied(`${pluginId}: the command is empty`);
  const line = normalizeLine(request.argv.join(' '));
  refuseDenied(pluginId, line, policy);
  refuseProgram(pluginId, program, policy);
  return { mode: 'exec', program, args, line };
}
