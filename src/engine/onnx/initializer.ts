// Reads one initializer out of model.onnx by shape, as float32 — used to get the tied token embedding
// W_E [d_vocab, d_model] (the unembedding is W_E^T) for promoted/suppressed tokens of features without
// cards. Bundles may store large weights as fp16: an initializer `<name>__fp16` (FLOAT16) that a Cast
// node widens to `<name>` inside the graph (training/export_onnx.py); such a tensor is widened here too.
import fs from 'node:fs';
import { DataType, ModelProto } from './proto';

interface InitializerProto {
  name?: string;
  dims: (number | { toNumber(): number })[];
  data_type: number;
  raw_data?: Uint8Array;
  float_data?: number[];
}

export function readInitializerByShape(modelPath: string, dims: number[]): Float32Array | null {
  // Reflection-decoded message: its fields are the descriptor's (proto.ts), which TypeScript cannot see.
  const msg = ModelProto.decode(fs.readFileSync(modelPath)) as unknown as { graph?: { initializer?: InitializerProto[] } };
  for (const t of msg.graph?.initializer ?? []) {
    const d = t.dims.map((x) => (typeof x === 'number' ? x : x.toNumber()));
    if (d.length !== dims.length || d.some((v, i) => v !== dims[i])) continue;
    const values = toFloat32(t);
    if (values) return values;
  }
  return null;
}

/** The tensor's values as float32 (FLOAT as is, FLOAT16 widened); null for other types or no data. */
export function toFloat32(t: Pick<InitializerProto, 'data_type' | 'raw_data' | 'float_data'>): Float32Array | null {
  const raw = t.raw_data && t.raw_data.byteLength ? t.raw_data : null;
  if (t.data_type === DataType.FLOAT) {
    if (raw) return new Float32Array(copyOut(raw, 4));
    return t.float_data?.length ? Float32Array.from(t.float_data) : null;
  }
  if (t.data_type === DataType.FLOAT16 && raw) {
    const halves = new Uint16Array(copyOut(raw, 2));
    const out = new Float32Array(halves.length);
    for (let i = 0; i < halves.length; i++) out[i] = halfToFloat(halves[i]);
    return out;
  }
  return null;
}

/** raw_data as an aligned, owned buffer (a decoded field is a view at any offset of the file's bytes). */
function copyOut(raw: Uint8Array, elementBytes: number): ArrayBuffer {
  const buf = new ArrayBuffer(raw.byteLength - (raw.byteLength % elementBytes));
  new Uint8Array(buf).set(raw.subarray(0, buf.byteLength));
  return buf;
}

/** IEEE 754 binary16 bits -> number (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
