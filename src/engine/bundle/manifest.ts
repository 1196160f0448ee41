// manifest.json validation: schema_version first (so a newer bundle gets "unknown version", not a list
// of schema complaints), then schemas/manifest.schema.json with ajv, one readable sentence per problem.
import Ajv from 'ajv';
import manifestSchema from '../../../schemas/manifest.schema.json';
import { quoted } from '../json-text';
import type { Result } from '../types';
import type { Manifest } from './types';

export const MANIFEST_SCHEMA_VERSION = 1;

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(manifestSchema);

export function validateManifest(json: unknown, file = 'manifest.json'): Result<Manifest> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, error: { kind: 'bad-manifest', file, message: `${file} is not a JSON object` } };
  }
  const version = (json as { schema_version?: unknown }).schema_version;
  if (version === undefined) return { ok: false, error: { kind: 'bad-manifest', file, message: `${file} has no schema_version` } };
  if (version !== MANIFEST_SCHEMA_VERSION) {
    return {
      ok: false,
      error: {
        kind: 'unknown-schema-version',
        file,
        message: `${file} has schema_version ${quoted(version)}; this version of Activation Inspector reads schema_version ${MANIFEST_SCHEMA_VERSION}`,
      },
    };
  }
  if (!validate(json)) {
    const problems = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '(top level)'} ${e.message}`);
    return { ok: false, error: { kind: 'bad-manifest', file, message: `${file} does not match the bundle schema: ${problems.join('; ')}` } };
  }
  return { ok: true, value: json as unknown as Manifest };
}
