// The dictionary encoder's matrix product with int8 weights, for dictionaries whose bundle says the
// features it selects agree with float32 (manifest `encoder.precision: "int8"`, measured on held-out text).
//
// W_enc is quantised per column (feature), symmetric: W ≈ q · w_scale[j], q ∈ [-127, 127]. Each row of x is
// quantised to uint8 over its own range: x ≈ x_min + u · step, u ∈ [0, 255]. Then
//   x @ W ≈ (u @ q) · step · w_scale[j] + x_min · Σ_k q[k, j] · w_scale[j]
// with u @ q an integer product (ONNX MatMulInteger: u8 × s8 -> s32, AVX-512 VNNI where the CPU has it).
// Row by row, so a row's features never depend on which other rows share its batch (an incremental
// analysis equals a full one).
import { DataType, type NodeSpec, type TensorInit } from '../onnx';

/** W [rows, cols] as int8, symmetric per column: W ≈ q · scale[j]. */
export function quantizeColumns(w: Float32Array, rows: number, cols: number): { q: Int8Array; scale: Float32Array } {
  const scale = new Float32Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) scale[j] = Math.max(scale[j], Math.abs(w[i * cols + j]));
  }
  for (let j = 0; j < cols; j++) scale[j] = scale[j] > 0 ? scale[j] / 127 : 1;
  const q = new Int8Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) q[i * cols + j] = Math.round(w[i * cols + j] / scale[j]);
  }
  return { q, scale };
}

const scalar = (name: string, v: number): TensorInit => ({ name, dims: [], data: new Float32Array([v]) });

/** Nodes and initializers computing `out` = x @ W + bias with W [dIn, dOut] in int8; `bias` names an
 *  initializer the caller provides. */
export function int8MatMul(x: string, w: Float32Array, dIn: number, dOut: number, bias: string, out: string): { inits: TensorInit[]; nodes: NodeSpec[] } {
  const { q, scale } = quantizeColumns(w, dIn, dOut);
  const colSum = new Float32Array(dOut); // Σ_k q[k, j] · w_scale[j]: what each row's minimum contributes
  for (let i = 0; i < dIn; i++) for (let j = 0; j < dOut; j++) colSum[j] += q[i * dOut + j];
  for (let j = 0; j < dOut; j++) colSum[j] *= scale[j];
  const inits: TensorInit[] = [
    { name: 'W_q', dims: [dIn, dOut], data: q },
    { name: 'W_q_scale', dims: [dOut], data: scale },
    { name: 'W_q_colsum', dims: [dOut], data: colSum },
    scalar('q_zero', 0),
    scalar('q_tiny', 1e-30),
    scalar('q_255', 255),
  ];
  const nodes: NodeSpec[] = [
    { op: 'ReduceMin', inputs: [x], outputs: ['x_min'], intAttrs: { axes: [1], keepdims: 1 } },
    { op: 'ReduceMax', inputs: [x], outputs: ['x_max'], intAttrs: { axes: [1], keepdims: 1 } },
    { op: 'Sub', inputs: ['x_max', 'x_min'], outputs: ['x_range'] },
    { op: 'Div', inputs: ['x_range', 'q_255'], outputs: ['x_step0'] },
    { op: 'Max', inputs: ['x_step0', 'q_tiny'], outputs: ['x_step'] }, // a constant row: any step
    { op: 'Sub', inputs: [x, 'x_min'], outputs: ['x_from_min'] },
    { op: 'Div', inputs: ['x_from_min', 'x_step'], outputs: ['x_steps'] },
    { op: 'Round', inputs: ['x_steps'], outputs: ['x_round'] },
    { op: 'Clip', inputs: ['x_round', 'q_zero', 'q_255'], outputs: ['x_clipped'] },
    { op: 'Cast', inputs: ['x_clipped'], outputs: ['x_q'], intAttrs: { to: DataType.UINT8 } },
    { op: 'MatMulInteger', inputs: ['x_q', 'W_q'], outputs: ['xw_int'] },
    { op: 'Cast', inputs: ['xw_int'], outputs: ['xw_steps'], intAttrs: { to: DataType.FLOAT } },
    { op: 'Mul', inputs: ['xw_steps', 'x_step'], outputs: ['xw_rows'] },
    { op: 'Mul', inputs: ['xw_rows', 'W_q_scale'], outputs: ['xw_u'] },
    { op: 'Mul', inputs: ['x_min', 'W_q_colsum'], outputs: ['xw_min'] },
    { op: 'Add', inputs: ['xw_u', 'xw_min'], outputs: ['xw'] },
    { op: 'Add', inputs: ['xw', bias], outputs: [out] },
  ];
  return { inits, nodes };
}
