// A small safetensors reader and writer (https://github.com/huggingface/safetensors format): 8-byte
// little-endian header length, a JSON header {name: {dtype, shape, data_offsets}, "__metadata__"?},
// then the raw little-endian tensor bytes. F32, F16, BF16 and F64 tensors are read as Float32Array.
// Refused as the reference implementation refuses them: a header over 100 MB (checked before parsing),
// offsets outside the data, and tensors whose byte ranges overlap (one tensor aliasing another).
import { parseJsonText, quoted } from './json-text';

export interface TensorF32 {
  dtype: string;
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsHeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const BYTES_PER: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2 };

/** The reference implementation's limit on the JSON header (huggingface/safetensors MAX_HEADER_SIZE). */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

let f16Table: Float32Array | undefined;
function f16ToF32Table(): Float32Array {
  if (f16Table) return f16Table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    t[h] = e === 0 ? s * 2 ** -14 * (f / 1024) : e === 31 ? (f ? NaN : s * Infinity) : s * 2 ** (e - 15) * (1 + f / 1024);
  }
  f16Table = t;
  return t;
}

/** Parses the header only (cheap): tensor names, dtypes, shapes, offsets; checks them against the file size. */
export function parseSafetensorsHeader(buf: Uint8Array): Parsed<{ entries: Record<string, SafetensorsHeaderEntry>; dataStart: number; metadata?: Record<string, string> }> {
  if (buf.length < 8) return { ok: false, message: `is ${buf.length} bytes, too short for a safetensors header` };
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > MAX_SAFETENSORS_HEADER_BYTES) return { ok: false, message: `declares a ${headerLen}-byte header; safetensors headers are at most ${MAX_SAFETENSORS_HEADER_BYTES} bytes` };
  if (headerLen <= 0 || 8 + headerLen > buf.length) return { ok: false, message: `declares a ${headerLen}-byte header but the file is ${buf.length} bytes (truncated or not safetensors)` };
  const json = parseJsonText(new TextDecoder().decode(buf.subarray(8, 8 + headerLen)));
  if (!json.ok) return { ok: false, message: `has a header that is ${json.message}` };
  const header = json.value;
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return { ok: false, message: 'has a header that is not a JSON object' };
  const dataStart = 8 + headerLen;
  const dataLen = buf.length - dataStart;
  const entries: Record<string, SafetensorsHeaderEntry> = {};
  let metadata: Record<string, string> | undefined;
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = raw as Record<string, string>;
      continue;
    }
    const e = raw as Partial<SafetensorsHeaderEntry>;
    if (typeof e !== 'object' || e === null || typeof e.dtype !== 'string' || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets) || e.data_offsets.length !== 2) {
      return { ok: false, message: `has a malformed header entry for tensor ${quoted(name)}` };
    }
    if (!e.shape.every((x) => Number.isInteger(x) && x >= 0)) return { ok: false, message: `tensor ${quoted(name)} has an invalid shape ${quoted(e.shape)}` };
    const [a, b] = e.data_offsets;
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < a) return { ok: false, message: `tensor ${quoted(name)} has invalid data_offsets ${quoted(e.data_offsets)}` };
    if (b > dataLen) return { ok: false, message: `tensor ${quoted(name)} ends at byte ${b} of the data but the data is only ${dataLen} bytes (file truncated)` };
    const per = BYTES_PER[e.dtype];
    if (per !== undefined) {
      const count = e.shape.reduce((x: number, y: number) => x * y, 1);
      if (count * per !== b - a) return { ok: false, message: `tensor ${quoted(name)} (${e.dtype} ${quoted(e.shape)}) needs ${count * per} bytes but has ${b - a}` };
    }
    entries[name] = { dtype: e.dtype, shape: e.shape, data_offsets: [a, b] };
  }
  const overlap = firstOverlap(entries);
  if (overlap) return { ok: false, message: overlap };
  return { ok: true, value: { entries, dataStart, metadata } };
}

/** A sentence naming two tensors whose byte ranges overlap, or undefined (empty tensors own no bytes). */
function firstOverlap(entries: Record<string, SafetensorsHeaderEntry>): string | undefined {
  const ranges = Object.entries(entries)
    .filter(([, e]) => e.data_offsets[1] > e.data_offsets[0])
    .sort(([, x], [, y]) => x.data_offsets[0] - y.data_offsets[0]);
  for (let i = 1; i < ranges.length; i++) {
    const [prevName, prev] = ranges[i - 1];
    const [name, e] = ranges[i];
    if (e.data_offsets[0] < prev.data_offsets[1]) {
      return `tensors ${quoted(prevName)} ${quoted(prev.data_offsets)} and ${quoted(name)} ${quoted(e.data_offsets)} have overlapping data_offsets; each tensor must own its bytes`;
    }
  }
  return undefined;
}

/** Reads every tensor as Float32Array (F16/BF16 widened, F64 narrowed). Other dtypes are an error. */
export function readSafetensors(buf: Uint8Array): Parsed<Map<string, TensorF32>> {
  const parsed = parseSafetensorsHeader(buf);
  if (!parsed.ok) return parsed;
  const { entries, dataStart } = parsed.value;
  const out = new Map<string, TensorF32>();
  for (const [name, e] of Object.entries(entries)) {
    const raw = buf.subarray(dataStart + e.data_offsets[0], dataStart + e.data_offsets[1]);
    // Typed-array views need aligned offsets; copy the (rare) unaligned tensor. Every platform Node
    // ships for is little-endian, like the format, so views read the values directly.
    const bytes = raw.byteOffset % 8 === 0 ? raw : raw.slice();
    const count = e.shape.reduce((x, y) => x * y, 1);
    let data: Float32Array;
    switch (e.dtype) {
      case 'F32':
        data = new Float32Array(bytes.buffer, bytes.byteOffset, count).slice();
        break;
      case 'F16': {
        const t = f16ToF32Table();
        const h = new Uint16Array(bytes.buffer, bytes.byteOffset, count);
        data = new Float32Array(count);
        for (let i = 0; i < count; i++) data[i] = t[h[i]];
        break;
      }
      case 'BF16': {
        const h = new Uint16Array(bytes.buffer, bytes.byteOffset, count);
        data = new Float32Array(count);
        const u = new Uint32Array(data.buffer);
        for (let i = 0; i < count; i++) u[i] = h[i] << 16;
        break;
      }
      case 'F64':
        data = Float32Array.from(new Float64Array(bytes.buffer, bytes.byteOffset, count));
        break;
      default:
        return { ok: false, message: `tensor ${quoted(name)} has dtype ${quoted(e.dtype)}; only F32, F16, BF16 and F64 are read` };
    }
    out.set(name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { ok: true, value: out };
}

export interface SafetensorsPieces {
  /** Bytes in all. */
  size: number;
  /** The 8-byte length, the header, then each tensor's data as a view of its Float32Array (no copy). */
  pieces: () => Iterable<Uint8Array>;
}

/**
 * F32 tensors (in the given order) as safetensors, in pieces: the data are views of the tensors
 * themselves (little-endian, as on every platform Node ships for), so writing gigabytes of activations
 * needs no second copy of them. The header is space-padded to 8 bytes.
 */
export function safetensorsPieces(tensors: { name: string; shape: number[]; data: Float32Array }[], metadata?: Record<string, string>): SafetensorsPieces {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((x, y) => x * y, 1);
    if (count !== t.data.length) throw new Error(`tensor "${t.name}": shape ${JSON.stringify(t.shape)} holds ${count} values, data has ${t.data.length}`);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let json = JSON.stringify(header);
  const jsonBytesLen = new TextEncoder().encode(json).length;
  json += ' '.repeat((8 - ((8 + jsonBytesLen) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const head = new Uint8Array(8 + headerBytes.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  head.set(headerBytes, 8);
  return {
    size: head.length + offset,
    *pieces() {
      yield head;
      for (const t of tensors) yield new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    },
  };
}

/** Serialises F32 tensors (in the given order) to safetensors bytes in one array (safetensorsPieces joined). */
export function writeSafetensors(tensors: { name: string; shape: number[]; data: Float32Array }[], metadata?: Record<string, string>): Uint8Array {
  const { size, pieces } = safetensorsPieces(tensors, metadata);
  const out = new Uint8Array(size);
  let p = 0;
  for (const piece of pieces()) {
    out.set(piece, p);
    p += piece.length;
  }
  return out;
}
