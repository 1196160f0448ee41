// Reads one float32 initializer out of model.onnx by shape — used to get the tied token embedding W_E
// [d_vocab, d_model] (the unembedding is W_E^T) for promoted/suppressed tokens of features without cards.
import fs from 'node:fs';
import { ModelProto } from '../dictionary/onnx-proto';

export function readInitializerByShape(modelPath: string, dims: number[]): Float32Array | null {
  const msg = ModelProto.decode(fs.readFileSync(modelPath)) as unknown as {
    graph?: { initializer?: { dims: (number | { toNumber(): number })[]; data_type: number; raw_data?: Uint8Array; float_data?: number[] }[] };
  };
  for (const t of msg.graph?.initializer ?? []) {
    const d = t.dims.map((x) => (typeof x === 'number' ? x : x.toNumber()));
    if (d.length !== dims.length || d.some((v, i) => v !== dims[i]) || t.data_type !== 1) continue;
    if (t.raw_data && t.raw_data.byteLength) {
      const out = new Float32Array(t.raw_data.byteLength / 4);
      new Uint8Array(out.buffer).set(t.raw_data);
      return out;
    }
    if (t.float_data?.length) return Float32Array.from(t.float_data);
  }
  return null;
}
