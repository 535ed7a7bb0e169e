import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { MANIFEST_FILE_NAME, createManifestValidator, formatIssues } from '@roku/schemas';
import type { ManifestValidator, ValidationIssue } from '@roku/schemas';
import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';

interface ValidateReport {
  readonly target: string;
  readonly file: string;
  readonly ok: boolean;
  readonly id?: string;
  readonly version?: string;
  readonly issues: readonly ValidationIssue[];
  readonly warnings: readonly string[];
}

function validateFile(validator: ManifestValidator, target: string, cwd: string): ValidateReport {
  const absolute = resolve(cwd, target);
  const isDir = existsSync(absolute) && statSync(absolute).isDirectory();
  const file = isDir ? join(absolute, MANIFEST_FILE_NAME) : absolute;
  const shown = relative(cwd, file) || file;
  if (!existsSync(file)) {
    const message = isDir ? `has no ${MANIFEST_FILE_NAME}` : 'does not exist';
    return {
      target,
      file: shown,
      ok: false,
      issues: [{ code: 'ROKU_CLI_NOT_FOUND', path: '', message }],
      warnings: [],
    };
  }
  const result = validator.parse(readFileSync(file));
  if (!result.ok) return { target, file: shown, ok: false, issues: result.issues, warnings: [] };
  const manifest = result.value;
  const warnings: string[] = [];
  const entry = join(dirname(file), manifest.runtime.entry);
  if (!existsSync(entry)) warnings.push(`runtime entry ${manifest.runtime.entry} is not built yet`);
  return { target, file: shown, ok: true, id: manifest.id, version: manifest.version, issues: [], warnings };
}

function validateOne(validator: ManifestValidator, target: string, cwd: string): ValidateReport {
  try {
    return validateFile(validator, target, cwd);
  } catch (err) {
    // One file's unexpected failure is that file's result: the other files keep theirs.
    const message = `cannot be validated: ${(err as Error).message}`;
    const issues = [{ code: 'ROKU_CLI_INTERNAL', path: '', message }];
    return { target, file: target, ok: false, issues, warnings: [] };
  }
}

/** `roku plugin validate <path...>`: exit 0 when every manifest is valid, 1 otherwise. */
export function pluginValidateCommand(
  io: CliIo,
  targets: readonly string[],
  options: { json: boolean },
): number {
  const validator = createManifestValidator();
  const reports = targets.map((t) => validateOne(validator, t, io.cwd));
  const ok = reports.every((r) => r.ok);
  if (options.json) {
    io.stdout(`${JSON.stringify({ ok, results: reports })}\n`);
  } else {
    for (const r of reports) {
      if (r.ok) io.stdout(`${r.file}: ok (${r.id ?? ''}@${r.version ?? ''})\n`);
      else io.stderr(`${formatIssues(r.file, r.issues).join('\n')}\n`);
      for (const w of r.warnings) io.stderr(`${r.file}: warning: ${w}\n`);
    }
  }
  return ok ? EXIT.ok : EXIT.failed;
}
