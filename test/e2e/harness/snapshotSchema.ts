// Validates an exported snapshot against schemas/snapshot.schema.json (the published format) with Ajv.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import { repoRoot } from './codeServer';

export function validateSnapshot(snapshot: unknown): string[] {
  const schemaPath = path.join(repoRoot, 'schemas', 'snapshot.schema.json');
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
  const draft2020 = typeof schema.$schema === 'string' && schema.$schema.includes('2020-12');
  // Formats (date-time, …) are not checked: ajv-formats is not a dependency.
  const options = { allErrors: true, strict: false, validateFormats: false };
  const ajv = draft2020 ? new Ajv2020(options) : new Ajv(options);
  const validate = ajv.compile(schema);
  if (validate(snapshot)) return [];
  return (validate.errors ?? []).slice(0, 20).map((e) => `${e.instancePath || '/'} ${e.message}`);
}
