// Reading an initializer out of model.onnx by shape: float32 as stored, and fp16 weights (the bundle
// writer's `<name>__fp16` + Cast convention) widened to float32.
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataType, encodeModel, halfToFloat, ModelProto, readInitializerByShape } from '../../src/engine/onnx';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-init-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** binary16 bits of a few exact values. */
const HALVES: [number, number][] = [
  [0x0000, 0], [0x3c00, 1], [0xc000, -2], [0x3555, 0.333251953125], [0x7bff, 65504],
  [0x0001, 2 ** -24], [0x0400, 2 ** -14], [0x7c00, Infinity], [0xfc00, -Infinity],
];

function writeModel(name: string, initializers: Record<string, unknown>[]): string {
  const file = path.join(dir, name);
  const msg = ModelProto.fromObject({ ir_version: 8, opset_import: [{ domain: '', version: 17 }], graph: { name: 'g', initializer: initializers } });
  fs.writeFileSync(file, ModelProto.encode(msg).finish());
  return file;
}

describe('onnx initializers', () => {
  it('halfToFloat decodes binary16 exactly, NaN included', () => {
    for (const [bits, value] of HALVES) expect(halfToFloat(bits)).toBe(value);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });

  it('finds a float32 initializer by its shape', () => {
    const w = Float32Array.from({ length: 12 }, (_, i) => i / 4 - 1);
    const file = path.join(dir, 'f32.onnx');
    fs.writeFileSync(file, encodeModel({
      name: 'g',
      inputs: [{ name: 'x', type: DataType.FLOAT, shape: [1, 4] }],
      outputs: [{ name: 'y', type: DataType.FLOAT, shape: [1, 3] }],
      initializers: [{ name: 'other', dims: [4, 4], data: new Float32Array(16) }, { name: 'w', dims: [4, 3], data: w }],
      nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
    }));
    expect(readInitializerByShape(file, [4, 3])).toEqual(w);
    expect(readInitializerByShape(file, [3, 4])).toBeNull();
  });

  it('widens an fp16 initializer (`<name>__fp16`) to float32', () => {
    const bits = Uint16Array.from(HALVES.map(([b]) => b));
    const file = writeModel('f16.onnx', [
      { name: 'ids', dims: [3, 3], data_type: DataType.INT64, raw_data: new Uint8Array(72) },
      { name: 'wte__fp16', dims: [3, 3], data_type: DataType.FLOAT16, raw_data: new Uint8Array(bits.buffer) },
    ]);
    expect(Array.from(readInitializerByShape(file, [3, 3]) ?? [])).toEqual(HALVES.map(([, v]) => v));
  });

  it('reads float_data when a float32 initializer has no raw_data', () => {
    const file = writeModel('float-data.onnx', [{ name: 'w', dims: [2], data_type: DataType.FLOAT, float_data: [0.5, -3] }]);
    expect(Array.from(readInitializerByShape(file, [2]) ?? [])).toEqual([0.5, -3]);
  });
});
