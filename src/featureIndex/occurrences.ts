// What the index stores of one file's analysis: for every dictionary feature, the tokens where the
// analysis reports it. An occurrence is exactly a token whose reported features (the top
// featuresPerToken of its hook, activation > 0; TokenResult.features) include the feature, with that
// activation. Per file and feature only the PER_FILE_BOUND strongest are kept (and the full count).
// Pure: no I/O.

/** Strongest occurrences kept per feature and file. */
export const PER_FILE_BOUND = 20;

export interface Occurrence {
  /** UTF-16 range of the token in the file's text. */
  start: number;
  end: number;
  /** 1-based line of the token's start. */
  line: number;
  activation: number;
}

export interface FeatureOccurrences {
  hook: string;
  feature: number;
  /** Tokens the feature fired on in this file, before the bound. */
  count: number;
  /** The strongest, at most the bound, strongest first (ties: earlier first). */
  occurrences: Occurrence[];
}

/** What an occurrence is taken from: an analysed token (TokenResult or a snapshot token). */
export interface IndexedToken {
  start: number;
  end: number;
  features: Record<string, { index: number; activation: number }[]>;
}

/** Offsets where each line starts (lines end at \n; a \r before it belongs to the line). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** 1-based line of `offset`. */
export function lineOf(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

export function byStrength(a: Occurrence, b: Occurrence): number {
  return b.activation - a.activation || a.start - b.start;
}

export function collectOccurrences(text: string, tokens: readonly IndexedToken[], hooks: readonly string[], bound = PER_FILE_BOUND): FeatureOccurrences[] {
  const starts = lineStarts(text);
  const byFeature = new Map<string, FeatureOccurrences>();
  for (const t of tokens) {
    for (const hook of hooks) {
      for (const f of t.features[hook] ?? []) {
        if (!(f.activation > 0)) continue;
        const k = `${hook}\u0000${f.index}`;
        let entry = byFeature.get(k);
        if (!entry) byFeature.set(k, (entry = { hook, feature: f.index, count: 0, occurrences: [] }));
        entry.count++;
        entry.occurrences.push({ start: t.start, end: t.end, line: lineOf(starts, t.start), activation: f.activation });
      }
    }
  }
  for (const e of byFeature.values()) {
    e.occurrences.sort(byStrength);
    e.occurrences.length = Math.min(e.occurrences.length, bound);
  }
  return [...byFeature.values()];
}

/** 16 bytes an occurrence, little-endian: start, end, line (uint32), activation (float32). */
const RECORD = 16;

export function encodeOccurrences(list: readonly Occurrence[]): Uint8Array {
  const out = new Uint8Array(list.length * RECORD);
  const view = new DataView(out.buffer);
  list.forEach((o, i) => {
    view.setUint32(i * RECORD, o.start, true);
    view.setUint32(i * RECORD + 4, o.end, true);
    view.setUint32(i * RECORD + 8, o.line, true);
    view.setFloat32(i * RECORD + 12, o.activation, true);
  });
  return out;
}

export function decodeOccurrences(bytes: Uint8Array): Occurrence[] {
  if (bytes.byteLength % RECORD !== 0) throw new Error(`occurrence data of ${bytes.byteLength} bytes is not a whole number of records`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Occurrence[] = [];
  for (let p = 0; p < bytes.byteLength; p += RECORD) {
    out.push({ start: view.getUint32(p, true), end: view.getUint32(p + 4, true), line: view.getUint32(p + 8, true), activation: view.getFloat32(p + 12, true) });
  }
  return out;
}
