// Snapshot validation: version first (a newer snapshot says so), then the JSON Schema, then what a
// schema cannot say: the text matches its hash and length, tokens tile the text, hooks are declared.
import Ajv from 'ajv';
import snapshotSchema from '../../../schemas/snapshot.schema.json';
import type { Result } from '../types';
import { sha256Text } from './build';
import { yieldEvery } from './slices';
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type Snapshot } from './types';

const ajv = new Ajv({ allErrors: true, strict: false });
const validateSchema = ajv.compile(snapshotSchema);
const validateToken = ajv.getSchema(`${snapshotSchema.$id}#/definitions/token`)!;
/** Schema problems listed in a message. */
const MAX_PROBLEMS = 5;

type Bad = (message: string) => Result<Snapshot>;

function badFor(file: string): Bad {
  return (message) => ({ ok: false, error: { kind: 'bad-snapshot', file, message: `${file}: ${message}` } });
}

/** Format and version, before anything else; never quotes a value of a file that is not a snapshot. */
function checkHead(json: unknown, file: string, bad: Bad): Result<Snapshot> | null {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return bad('is not a JSON object');
  const j = json as { format?: unknown; version?: unknown };
  if (j.format !== SNAPSHOT_FORMAT) return bad(`is not an Activation Inspector snapshot (it has no "format": "${SNAPSHOT_FORMAT}")`);
  if (j.version !== SNAPSHOT_VERSION) {
    const version = typeof j.version === 'number' ? `snapshot version ${j.version}` : 'a snapshot without a numeric version';
    return { ok: false, error: { kind: 'unknown-schema-version', file, message: `${file}: ${version}; this version of Activation Inspector reads version ${SNAPSHOT_VERSION}` } };
  }
  return null;
}

function schemaProblems(errors: typeof validateSchema.errors, prefix = ''): string[] {
  return (errors ?? []).map((e) => `${prefix + e.instancePath || '(top level)'} ${e.message}`);
}

export function validateSnapshot(json: unknown, file = 'snapshot'): Result<Snapshot> {
  const bad = badFor(file);
  const head = checkHead(json, file, bad);
  if (head) return head;
  if (!validateSchema(json)) return bad(`does not match the snapshot schema: ${schemaProblems(validateSchema.errors).slice(0, MAX_PROBLEMS).join('; ')}`);
  return checkContent(json as unknown as Snapshot, bad);
}

/**
 * validateSnapshot, yielding to the event loop every `sliceMs` while it checks the tokens against the
 * schema (a snapshot of a large document has tens of thousands), so the editor keeps working.
 */
export async function validateSnapshotInSlices(json: unknown, file = 'snapshot', sliceMs = 8): Promise<Result<Snapshot>> {
  const bad = badFor(file);
  const head = checkHead(json, file, bad);
  if (head) return head;
  const tokens = (json as { tokens?: unknown }).tokens;
  const problems: string[] = [];
  if (!validateSchema({ ...(json as object), tokens: Array.isArray(tokens) ? [] : tokens })) problems.push(...schemaProblems(validateSchema.errors));
  if (Array.isArray(tokens)) {
    const maybeYield = yieldEvery(sliceMs);
    for (let i = 0; i < tokens.length && problems.length < MAX_PROBLEMS; i++) {
      if (!validateToken(tokens[i])) problems.push(...schemaProblems(validateToken.errors, `/tokens/${i}`));
      await maybeYield();
    }
  }
  if (problems.length > 0) return bad(`does not match the snapshot schema: ${problems.slice(0, MAX_PROBLEMS).join('; ')}`);
  return checkContent(json as unknown as Snapshot, bad, sliceMs);
}

/** What is wrong with token i, which must start at `pos`, or null. */
function tokenProblem(s: Snapshot, i: number, pos: number, hooks: Set<string>): string | null {
  const text = s.document.text;
  const t = s.tokens[i];
  if (t.start !== pos) return `tokens[${i}] starts at ${t.start}, expected ${pos} (tokens must tile the text in order)`;
  if (t.end < t.start || t.end > text.length) return `tokens[${i}] has range [${t.start}, ${t.end}) outside the text (length ${text.length})`;
  if (t.text !== text.slice(t.start, t.end)) return `tokens[${i}].text does not equal document.text[${t.start}:${t.end}]`;
  for (const h of Object.keys(t.features)) if (!hooks.has(h)) return `tokens[${i}].features names hook ${h}, which is not in "hooks"`;
  return null;
}

/**
 * What a schema cannot say: text against its hash and length, tokens tiling the text, declared hooks.
 * With `sliceMs`, yields to the event loop that often while it goes through the tokens.
 */
function checkContent(s: Snapshot, bad: Bad): Result<Snapshot>;
function checkContent(s: Snapshot, bad: Bad, sliceMs: number): Promise<Result<Snapshot>>;
function checkContent(s: Snapshot, bad: Bad, sliceMs?: number): Result<Snapshot> | Promise<Result<Snapshot>> {
  const text = s.document.text;
  if (s.document.length !== text.length) return bad(`document.length is ${s.document.length} but document.text has ${text.length} UTF-16 code units`);
  if (sha256Text(text) !== s.document.sha256) return bad('document.sha256 does not match document.text (the text was edited after export?)');
  const hooks = new Set(s.hooks);
  if (sliceMs === undefined) {
    let pos = 0;
    for (let i = 0; i < s.tokens.length; i++) {
      const problem = tokenProblem(s, i, pos, hooks);
      if (problem) return bad(problem);
      pos = s.tokens[i].end;
    }
    return checkEnd(s, pos, bad);
  }
  return (async () => {
    let pos = 0;
    const maybeYield = yieldEvery(sliceMs);
    for (let i = 0; i < s.tokens.length; i++) {
      const problem = tokenProblem(s, i, pos, hooks);
      if (problem) return bad(problem);
      pos = s.tokens[i].end;
      await maybeYield();
    }
    return checkEnd(s, pos, bad);
  })();
}

/** After the tokens: they end where the text does, and the activations have a row per token. */
function checkEnd(s: Snapshot, pos: number, bad: Bad): Result<Snapshot> {
  const text = s.document.text;
  if (s.tokens.length > 0 && pos !== text.length) return bad(`tokens end at ${pos} but the text is ${text.length} long`);
  if (s.tokens.length === 0 && text.length > 0) return bad('has text but no tokens');
  if (s.activations) {
    for (const [hook, t] of Object.entries(s.activations.tensors)) {
      if (t.shape[0] !== s.tokens.length) return bad(`activations.tensors["${hook}"] has ${t.shape[0]} rows but there are ${s.tokens.length} tokens`);
    }
  }
  return { ok: true, value: s };
}
