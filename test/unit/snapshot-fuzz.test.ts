// Random edits to a snapshot never make the validator throw: each edit is accepted (when harmless, e.g.
// a different path string) or reported as bad-snapshot / unknown-schema-version with a reason.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSnapshot, validateSnapshot, validateSnapshotInSlices } from '../../src/engine/snapshot';
import { fakeResult, PROVENANCE } from './snapshot-fixtures';

const text = 'for i in range(3):\r\n\tprint(i, "😀")\n';
const built = buildSnapshot({ result: fakeResult(text), provenance: PROVENANCE, document: { path: 'x.py', languageId: 'python', text }, options: { topK: 3, featuresPerToken: 3, hooks: [] } });
if (!built.ok) throw new Error(built.error.message);
const original = JSON.parse(JSON.stringify(built.value));

function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}
const all = paths(original);

describe('snapshot validator under random edits', { timeout: 120_000 }, () => {
  it('1,500 edits: never throws, every rejection says why, and the sliced validator agrees', async () => {
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: all.length - 1 }), fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(-1, 1e308, '', null, 2, 1.5)), async (i, value) => {
        const copy = structuredClone(original);
        const at = all[i];
        if (at.length === 0) return;
        let node = copy;
        for (const k of at.slice(0, -1)) node = node[k];
        const last = at[at.length - 1];
        if (value === undefined) Array.isArray(node) ? node.splice(last as number, 1) : delete node[last];
        else node[last] = value;
        const r = validateSnapshot(JSON.parse(JSON.stringify(copy)), 'f.json');
        const sliced = await validateSnapshotInSlices(JSON.parse(JSON.stringify(copy)), 'f.json', 0);
        expect(sliced.ok).toBe(r.ok);
        if (!r.ok && !sliced.ok) expect(sliced.error.kind).toBe(r.error.kind);
        if (!r.ok) {
          rejected++;
          expect(['bad-snapshot', 'unknown-schema-version']).toContain(r.error.kind);
          expect(r.error.message).toMatch(/^f\.json: .{10,}/);
        }
      }),
      { numRuns: 1500 },
    );
    expect(rejected).toBeGreaterThan(500);
  });
});
