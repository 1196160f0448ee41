// model.onnx as exported from PyTorch counts the target's rank as `(logp > t).sum(-1)`: a Cast of the bool
// comparison to int64, then an int64 ReduceSum over [n, d_vocab]. ONNX Runtime's int64 ReduceSum is slow:
// on the default model it was 30 ms of a 115 ms chunk of 256 tokens (the Cast another 6; on the
// GPT-2-small-shaped model the pair took 37 ms of 272). Counting in float is exact (any count below 2^24),
// so each Cast(bool -> int64) whose one consumer is a ReduceSum becomes Cast(bool -> float) -> ReduceSum ->
// Cast(-> int64), the same tensor names on the way out.
//
// Only the graph's node list (and the declared type of a retyped tensor) is decoded and written again; every
// other field, the weights above all, is copied through as the bytes it was, so a 500 MB model costs one copy.
import protobuf from 'protobufjs';
import { AttributeProto, DataType } from './proto';
import { decodeRaw, encodeRaw, RawNodeType, RawValueInfoType, type RawNode, type RawValueInfo } from './raw-model';

const BOOL_PRODUCERS = new Set(['Greater', 'Less', 'GreaterOrEqual', 'LessOrEqual', 'Equal', 'Not', 'And', 'Or', 'Xor']);
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_VALUE_INFO = 13;
const LENGTH_DELIMITED = 2;

/** One field of a message as it lies in the bytes: [start, end) the whole record, [dataStart, end) its
 *  payload when length-delimited. */
interface FieldRecord {
  field: number;
  start: number;
  dataStart: number;
  end: number;
}

function records(buf: Uint8Array): FieldRecord[] {
  const r = protobuf.Reader.create(buf);
  const out: FieldRecord[] = [];
  while (r.pos < r.len) {
    const start = r.pos;
    const tag = r.uint32();
    let dataStart = r.pos;
    if ((tag & 7) === LENGTH_DELIMITED) {
      const len = r.uint32();
      dataStart = r.pos;
      r.skip(len);
    } else r.skipType(tag & 7);
    out.push({ field: tag >>> 3, start, dataStart, end: r.pos });
  }
  return out;
}

const lengthDelimited = (field: number, payload: Uint8Array): Uint8Array => protobuf.Writer.create().uint32((field << 3) | LENGTH_DELIMITED).bytes(payload).finish();

const castTo = (node: RawNode): number | null => {
  for (const b of (node.attribute as Uint8Array[] | undefined) ?? []) {
    const a = AttributeProto.toObject(AttributeProto.decode(b), { longs: String }) as { name: string; i?: string };
    if (a.name === 'to') return Number(a.i);
  }
  return null;
};

const toAttribute = (to: number): Uint8Array => AttributeProto.encode(AttributeProto.fromObject({ name: 'to', type: 2, i: to })).finish();

/** The node list with bool counts summed in float, and the names of the Casts whose output type changed. */
function rewriteNodes(nodes: RawNode[]): { nodes: RawNode[]; retyped: Set<string> } {
  const producer = new Map<string, RawNode>();
  const consumers = new Map<string, RawNode[]>();
  for (const n of nodes) {
    for (const o of n.output) producer.set(o, n);
    for (const i of n.input) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  }
  const retyped = new Set<string>();
  const out: RawNode[] = [];
  const widenAfter = new Map<RawNode, string>(); // ReduceSum -> the int64 name its float sum is cast back to
  for (const n of nodes) {
    if (n.op_type === 'Cast' && castTo(n) === DataType.INT64 && BOOL_PRODUCERS.has(producer.get(n.input[0])?.op_type ?? '')) {
      const users = consumers.get(n.output[0]) ?? [];
      if (users.length === 1 && users[0].op_type === 'ReduceSum') {
        n.attribute = [toAttribute(DataType.FLOAT)];
        const sum = users[0];
        widenAfter.set(sum, sum.output[0]);
        sum.output = [`${sum.output[0]}::float`, ...sum.output.slice(1)];
        retyped.add(n.output[0]);
      }
    }
  }
  for (const n of nodes) {
    out.push(n);
    const total = widenAfter.get(n);
    if (total !== undefined) out.push({ input: [n.output[0]], output: [total], op_type: 'Cast', name: `${total}::to_int64`, attribute: [toAttribute(DataType.INT64)] });
  }
  return { nodes: out, retyped };
}

/** The model with its bool counts summed in float; `rewritten` counts the Casts changed (0: the bytes are
 *  returned as given). */
export function countInFloat(bytes: Uint8Array): { bytes: Uint8Array; rewritten: number } {
  const modelFields = records(bytes);
  const graphRecord = modelFields.find((f) => f.field === MODEL_GRAPH);
  if (!graphRecord) return { bytes, rewritten: 0 };
  const graph = bytes.subarray(graphRecord.dataStart, graphRecord.end);
  const graphFields = records(graph);
  const nodes = graphFields.filter((f) => f.field === GRAPH_NODE).map((f) => decodeRaw<RawNode>(RawNodeType, graph.subarray(f.dataStart, f.end)));
  const { nodes: rewritten, retyped } = rewriteNodes(nodes);
  if (retyped.size === 0) return { bytes, rewritten: 0 };
  const parts: Uint8Array[] = [];
  let nodesWritten = false;
  for (const f of graphFields) {
    if (f.field === GRAPH_NODE) {
      if (!nodesWritten) for (const n of rewritten) parts.push(lengthDelimited(GRAPH_NODE, encodeRaw(RawNodeType, n)));
      nodesWritten = true;
    } else if (f.field === GRAPH_VALUE_INFO && retyped.has(decodeRaw<RawValueInfo>(RawValueInfoType, graph.subarray(f.dataStart, f.end)).name)) {
      // a declared int64 type would contradict the retyped Cast's float output
    } else parts.push(graph.subarray(f.start, f.end));
  }
  const newGraph = Buffer.concat(parts);
  const model: Uint8Array[] = modelFields.map((f) => (f === graphRecord ? lengthDelimited(MODEL_GRAPH, newGraph) : bytes.subarray(f.start, f.end)));
  return { bytes: Buffer.concat(model), rewritten: retyped.size };
}
