// Compiles the host configuration and plugin manifest schemas to validation code (Ajv standalone) in
// dist/validators/, so that no `roku` command compiles them at start (src/compiled-validator.ts). Run by the
// build after tsc; each file records the sha256 of the schema it was made from.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { DOCUMENT_AJV_OPTIONS, compiledValidatorFile, schemaHash } from '../dist/compiled-validator.js';
import { loadSchemaText } from '../dist/load-schema.js';

for (const name of ['host-config', 'plugin-manifest']) {
  const text = loadSchemaText(`${name}.schema.json`);
  const ajv = new Ajv2020({ ...DOCUMENT_AJV_OPTIONS, code: { source: true } });
  const code = standaloneCode.default(ajv, ajv.compile(JSON.parse(text)));
  const file = compiledValidatorFile(name);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${code}\nmodule.exports.schemaSha256 = ${JSON.stringify(schemaHash(text))};\n`);
}
