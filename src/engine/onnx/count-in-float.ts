// model.onnx as exported from PyTorch counts the target's rank as `(logp > t).sum(-1)`: a Cast of the bool
// comparison to int64, then an int64 ReduceSum over [n, d_vocab]. ONNX Runtime's int64 ReduceSum is slow:
// on the default model it was 30 ms of a 115 ms chunk of 256 tokens (the Cast another 6). Counting in float
// is exact (any count below 2^24), so each Cast(bool -> int64) whose one consumer is a ReduceSum becomes
// Cast(bool -> float) -> ReduceSum -> Cast(-> int64), the same tensor names on the way out.
import { AttributeProto, DataType } from './proto';
import { decodeRaw, encodeRaw, RawGraphType, RawModel, RawNodeType, RawValueInfoType, type RawGraph, type RawNode, type RawValueInfo } from './raw-model';

const BOOL_PRODUCERS = new Set(['Greater', 'Less', 'GreaterOrEqual', 'LessOrEqual', 'Equal', 'Not', 'And', 'Or', 'Xor']);

interface Attribute {
  name: string;
  type?: number;
  i?: string | number;
}

const castTo = (node: RawNode): number | null => {
  for (const b of (node.attribute as Uint8Array[] | undefined) ?? []) {
    const a = AttributeProto.toObject(AttributeProto.decode(b), { longs: String }) as Attribute;
    if (a.name === 'to') return Number(a.i);
  }
  return null;
};

const toAttribute = (to: number): Uint8Array => AttributeProto.encode(AttributeProto.fromObject({ name: 'to', type: 2, i: to })).finish();

/** The model with its bool counts summed in float; `rewritten` counts the ReduceSums changed (0: the bytes
 *  are returned as given). */
export function countInFloat(bytes: Uint8Array): { bytes: Uint8Array; rewritten: number } {
  const model = decodeRaw<Record<string, unknown>>(RawModel, bytes);
  const graph = decodeRaw<RawGraph>(RawGraphType, model.graph as Uint8Array);
  const nodes = graph.node.map((b) => decodeRaw<RawNode>(RawNodeType, b));
  const producer = new Map<string, RawNode>();
  const consumers = new Map<string, RawNode[]>();
  for (const n of nodes) {
    for (const o of n.output) producer.set(o, n);
    for (const i of n.input) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  }
  const retyped = new Set<string>();
  const out: RawNode[] = [];
  for (const n of nodes) {
    out.push(n);
    if (n.op_type !== 'Cast' || castTo(n) !== DataType.INT64 || !BOOL_PRODUCERS.has(producer.get(n.input[0])?.op_type ?? '')) continue;
    const users = consumers.get(n.output[0]) ?? [];
    if (users.length !== 1 || users[0].op_type !== 'ReduceSum') continue;
    n.attribute = [toAttribute(DataType.FLOAT)];
    const sum = users[0];
    const total = sum.output[0];
    sum.output = [`${total}::float`, ...sum.output.slice(1)];
    retyped.add(n.output[0]);
  }
  if (retyped.size === 0) return { bytes, rewritten: 0 };
  const final: RawNode[] = [];
  for (const n of out) {
    final.push(n);
    const floatSum = n.op_type === 'ReduceSum' ? n.output[0] : '';
    if (floatSum.endsWith('::float')) {
      const total = floatSum.slice(0, -'::float'.length);
      final.push({ input: [floatSum], output: [total], op_type: 'Cast', name: `${total}::to_int64`, attribute: [toAttribute(DataType.INT64)] });
    }
  }
  const rebuilt = {
    ...graph,
    node: final.map((n) => encodeRaw(RawNodeType, n)),
    // A declared int64 type of a retyped Cast output would contradict its new float one.
    value_info: graph.value_info.filter((b) => !retyped.has(decodeRaw<RawValueInfo>(RawValueInfoType, b).name)),
  };
  return { bytes: encodeRaw(RawModel, { ...model, graph: encodeRaw(RawGraphType, rebuilt) }), rewritten: retyped.size };
}
