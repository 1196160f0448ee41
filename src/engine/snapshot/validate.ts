// Snapshot validation: version first (a newer snapshot says so), then the JSON Schema, then what a
// schema cannot say: the text matches its hash and length, tokens tile the text, hooks are declared.
import Ajv from 'ajv';
import snapshotSchema from '../../../schemas/snapshot.schema.json';
import type { Result } from '../types';
import { sha256Text } from './build';
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type Snapshot } from './types';

const ajv = new Ajv({ allErrors: true, strict: false });
const validateSchema = ajv.compile(snapshotSchema);

export function validateSnapshot(json: unknown, file = 'snapshot'): Result<Snapshot> {
  const bad = (message: string): Result<Snapshot> => ({ ok: false, error: { kind: 'bad-snapshot', file, message: `${file}: ${message}` } });
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return bad('is not a JSON object');
  const j = json as { format?: unknown; version?: unknown };
  if (j.format !== SNAPSHOT_FORMAT) return bad(`is not an Activation Inspector snapshot (format is ${JSON.stringify(j.format)}, expected "${SNAPSHOT_FORMAT}")`);
  if (j.version !== SNAPSHOT_VERSION) {
    return { ok: false, error: { kind: 'unknown-schema-version', file, message: `${file}: snapshot version ${JSON.stringify(j.version)}; this version of Activation Inspector reads version ${SNAPSHOT_VERSION}` } };
  }
  if (!validateSchema(json)) {
    const problems = (validateSchema.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '(top level)'} ${e.message}`);
    return bad(`does not match the snapshot schema: ${problems.join('; ')}`);
  }
  const s = json as unknown as Snapshot;
  const text = s.document.text;
  if (s.document.length !== text.length) return bad(`document.length is ${s.document.length} but document.text has ${text.length} UTF-16 code units`);
  if (sha256Text(text) !== s.document.sha256) return bad('document.sha256 does not match document.text (the text was edited after export?)');
  const hooks = new Set(s.hooks);
  let pos = 0;
  for (let i = 0; i < s.tokens.length; i++) {
    const t = s.tokens[i];
    if (t.start !== pos) return bad(`tokens[${i}] starts at ${t.start}, expected ${pos} (tokens must tile the text in order)`);
    if (t.end < t.start || t.end > text.length) return bad(`tokens[${i}] has range [${t.start}, ${t.end}) outside the text (length ${text.length})`);
    if (t.text !== text.slice(t.start, t.end)) return bad(`tokens[${i}].text does not equal document.text[${t.start}:${t.end}]`);
    for (const h of Object.keys(t.features)) if (!hooks.has(h)) return bad(`tokens[${i}].features names hook ${h}, which is not in "hooks"`);
    pos = t.end;
  }
  if (s.tokens.length > 0 && pos !== text.length) return bad(`tokens end at ${pos} but the text is ${text.length} long`);
  if (s.tokens.length === 0 && text.length > 0) return bad('has text but no tokens');
  if (s.activations) {
    for (const [hook, t] of Object.entries(s.activations.tensors)) {
      if (t.shape[0] !== s.tokens.length) return bad(`activations.tensors["${hook}"] has ${t.shape[0]} rows but there are ${s.tokens.length} tokens`);
    }
  }
  return { ok: true, value: s };
}
