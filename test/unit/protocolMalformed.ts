// Generators of malformed protocol messages: valid samples with one thing broken (wrong type, NaN,
// undefined, a deleted field, an unknown key) plus arbitrary values. Used by the unit fuzz tests and
// by the browser tests, which post them into the real panel.
import fc from 'fast-check';
import { OPTIONAL_CARD_FIELDS, OPTIONAL_MESSAGE_FIELDS } from './protocolSamples';

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
  const optionalField =
    (path.length === 2 && path[0] === 'card' && OPTIONAL_CARD_FIELDS.includes(String(last))) || (path.length === 1 && OPTIONAL_MESSAGE_FIELDS.includes(String(last)));
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

export function mutations(samples: object[]) {
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

/** Arbitrary values, and message-like objects with a known type but random fields. */
export function arbitraryValues(types: string[], jsonOnly = false) {
  const any = jsonOnly
    ? fc.jsonValue()
    : fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true });
  return fc.oneof(
    any,
    // At least one extra field, so `{type:'openSnapshot'}` (a valid message) is never produced.
    fc
      .tuple(fc.constantFrom(...types), fc.dictionary(fc.string({ minLength: 1 }).filter((k) => k !== 'type'), jsonOnly ? fc.jsonValue() : fc.anything(), { minKeys: 1 }))
      .map(([type, rest]) => ({ ...rest, type })),
  );
}
