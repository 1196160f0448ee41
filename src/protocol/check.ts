// A tiny run-time validation kit for the panel protocol. Hand-written rather than ajv/zod because the
// webview runs under a CSP without 'unsafe-eval' (ajv compiles validators with `new Function`) and
// the whole protocol needs only a dozen shapes. No `vscode` import: the webview bundles this file.
//
// A Check returns null when the value is valid, else one sentence naming the path that is wrong.
// Checks never throw and never recurse deeper than the shapes they describe, so hostile input
// (cycles, huge arrays, odd prototypes) is rejected quickly.

export type Check = (value: unknown, path: string) => string | null;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export const str =
  (maxLength: number, minLength = 0): Check =>
  (v, path) => {
    if (typeof v !== 'string') return `${path} must be a string, got ${describe(v)}`;
    if (v.length > maxLength) return `${path} is longer than ${maxLength} characters`;
    if (v.length < minLength) return `${path} must not be empty`;
    return null;
  };

/** A finite number in [min, max]. NaN and ±Infinity are always rejected. */
export const num =
  (min = -Number.MAX_VALUE, max = Number.MAX_VALUE): Check =>
  (v, path) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return `${path} must be a finite number, got ${describe(v)}`;
    if (v < min || v > max) return `${path} must be within [${min}, ${max}], got ${v}`;
    return null;
  };

export const int =
  (min = 0, max = Number.MAX_SAFE_INTEGER): Check =>
  (v, path) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) return `${path} must be an integer, got ${describe(v)}`;
    if (v < min || v > max) return `${path} must be within [${min}, ${max}], got ${v}`;
    return null;
  };

export const bool: Check = (v, path) => (typeof v === 'boolean' ? null : `${path} must be a boolean, got ${describe(v)}`);

export const literal =
  (...allowed: readonly (string | number)[]): Check =>
  (v, path) =>
    allowed.includes(v as string | number) ? null : `${path} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`;

export const nullable =
  (inner: Check): Check =>
  (v, path) =>
    v === null ? null : inner(v, path);

export const arr =
  (item: Check, maxItems: number): Check =>
  (v, path) => {
    if (!Array.isArray(v)) return `${path} must be an array, got ${describe(v)}`;
    if (v.length > maxItems) return `${path} has more than ${maxItems} items`;
    for (let i = 0; i < v.length; i++) {
      const problem = item(v[i], `${path}[${i}]`);
      if (problem) return problem;
    }
    return null;
  };

const OPTIONAL = Symbol('optional');

/**
 * A field that may be absent (but, when present, must pass `inner`). The protocol's own messages use
 * `null` for absent values; this exists only for engine types passed through as they are (cards).
 */
export function optional(inner: Check): Check {
  const check: Check = (v, path) => inner(v, path);
  (check as unknown as Record<symbol, boolean>)[OPTIONAL] = true;
  return check;
}

/** An object with exactly these keys, so a missing, misspelt or extra key is an error. */
export const obj =
  (fields: Record<string, Check>, options: { allowExtra?: boolean } = {}): Check =>
  (v, path) => {
    if (!isPlainObject(v)) return `${path} must be an object, got ${describe(v)}`;
    for (const key of options.allowExtra ? [] : Object.keys(v)) {
      if (!Object.prototype.hasOwnProperty.call(fields, key)) return `${path} has unexpected field "${key.slice(0, 40)}"`;
    }
    for (const [key, check] of Object.entries(fields)) {
      if (!Object.prototype.hasOwnProperty.call(v, key)) {
        if ((check as unknown as Record<symbol, boolean>)[OPTIONAL]) continue;
        return `${path}.${key} is missing`;
      }
      const problem = check(v[key], `${path}.${key}`);
      if (problem) return problem;
    }
    return null;
  };

/** A string-keyed map (used for per-hook records). */
export const record =
  (value: Check, maxKeys: number, keyMaxLength = 200): Check =>
  (v, path) => {
    if (!isPlainObject(v)) return `${path} must be an object, got ${describe(v)}`;
    const keys = Object.keys(v);
    if (keys.length > maxKeys) return `${path} has more than ${maxKeys} keys`;
    for (const key of keys) {
      if (key.length === 0 || key.length > keyMaxLength) return `${path} has a key of bad length`;
      const problem = value(v[key], `${path}["${key.slice(0, 40)}"]`);
      if (problem) return problem;
    }
    return null;
  };

/** Extra cross-field rule on top of a shape check. */
export const refine =
  (base: Check, rule: (v: never) => string | null): Check =>
  (v, path) =>
    base(v, path) ?? rule(v as never);
