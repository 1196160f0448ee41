// 1,000+ malformed messages in each direction: all rejected, none throws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFromWebview, parseToWebview, type Parsed } from '../../src/protocol';
import { OPTIONAL_CARD_FIELDS, validFromWebview, validToWebview } from './protocolSamples';

type Path = (string | number)[];

function paths(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(value)) value.forEach((v, i) => out.push([...prefix, i], ...paths(v, [...prefix, i])));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push([...prefix, k], ...paths(v, [...prefix, k]));
  return out;
}

/** Objects (not arrays) in the message: where an extra key can be added. */
function objectPaths(value: unknown, prefix: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => objectPaths(v, [...prefix, i]));
  if (value && typeof value === 'object')
    return [prefix, ...Object.entries(value).flatMap(([k, v]) => objectPaths(v, [...prefix, k]))];
  return [];
}

const POISON = { '\u0000bad': 'x' };

/** A value that no field of the protocol accepts in place of `v`. */
function wrongTypeFor(v: unknown): unknown {
  if (typeof v === 'string') return 42;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return 1;
  if (Array.isArray(v)) return {};
  if (v === null) return POISON;
  return [];
}

function mutate(message: object, path: Path, kind: number): unknown {
  const copy = structuredClone(message) as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  const poisons = [wrongTypeFor(parent[last]), Number.NaN, Number.POSITIVE_INFINITY, undefined, POISON];
  const optionalField = path.length === 2 && path[0] === 'card' && OPTIONAL_CARD_FIELDS.includes(String(last));
  if (kind === poisons.length && !Array.isArray(parent) && !optionalField) delete parent[last];
  else parent[last] = poisons[kind % poisons.length];
  return copy;
}

function addKey(message: object, path: Path): unknown {
  const copy = structuredClone(message) as Record<string | number, unknown>;
  let target: Record<string | number, unknown> = copy;
  for (const key of path) target = target[key] as Record<string | number, unknown>;
  target['\u0000extra'] = POISON;
  return copy;
}

function mutations(samples: object[]) {
  return fc.oneof(
    fc
      .nat({ max: samples.length - 1 })
      .chain((s) => fc.tuple(fc.constant(s), fc.constantFrom(...paths(samples[s])), fc.nat({ max: 5 })))
      // Deleting an array element can leave a valid (shorter) array: replace instead.
      .map(([s, path, kind]) => mutate(samples[s]!, path, kind)),
    fc
      .nat({ max: samples.length - 1 })
      // A card may carry extra fields from its bundle (allowExtra): adding one there is no malformation.
      .chain((s) => fc.tuple(fc.constant(s), fc.constantFrom(...objectPaths(samples[s]).filter((p) => p.join('.') !== 'card'))))
      .map(([s, path]) => addKey(samples[s]!, path)),
  );
}

function expectRejected(parse: (raw: unknown) => Parsed<unknown>) {
  return (raw: unknown) => {
    let result: Parsed<unknown> | undefined;
    expect(() => (result = parse(raw))).not.toThrow();
    expect(result!.ok, fc.stringify(raw).slice(0, 300)).toBe(false);
    expect(typeof (result as { reason: string }).reason).toBe('string');
  };
}

describe('malformed messages are rejected without throwing', () => {
  it('1,000 mutated host->panel messages', () => {
    fc.assert(fc.property(mutations(validToWebview), expectRejected(parseToWebview)), { numRuns: 1000 });
  });

  it('1,000 mutated panel->host messages', () => {
    fc.assert(fc.property(mutations(validFromWebview), expectRejected(parseFromWebview)), { numRuns: 1000 });
  });

  it('1,000 arbitrary values in each direction', () => {
    const arbitrary = fc.oneof(
      fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true }),
      // Looks like a message: a known type plus random fields (at least one, so `{type:'openSnapshot'}` is not produced).
      fc
        .tuple(
          fc.constantFrom(...validToWebview.map((m) => m.type), ...validFromWebview.map((m) => m.type)),
          fc.dictionary(fc.string({ minLength: 1 }).filter((k) => k !== 'type'), fc.anything(), { minKeys: 1 }),
        )
        .map(([type, rest]) => ({ ...rest, type })),
    );
    fc.assert(fc.property(arbitrary, expectRejected(parseToWebview)), { numRuns: 1000 });
    fc.assert(fc.property(arbitrary, expectRejected(parseFromWebview)), { numRuns: 1000 });
  });
});
