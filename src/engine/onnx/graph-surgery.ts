// Graph surgery on the bundle's model.onnx: a segment of the model that starts at a hook (the hook's value
// becomes a graph input, so the caller feeds an edited activation) or at the model's inputs, and computes
// only the outputs asked for (every node those do not need is dropped, so a segment costs only its own
// layers). Feature edits run such segments; the analysis's context-only session is one too (KV outputs).
//
// The protobuf is read with the "raw" message types of raw-model.ts, in which every sub-message the surgery
// does not change is kept as its bytes: attributes, tensors, types and metadata go back out exactly as they
// came in.
// Names used inside sub-graph attributes (If/Loop bodies) are not followed; GPT-2 exports have none.
import protobuf from 'protobufjs';
import {
  decodeRaw as decode, encodeRaw as encode, RawGraphType as Graph, RawModel as Model, RawNodeType as Node, RawTensorName as TensorName, RawValueInfoType as ValueInfo,
  type RawGraph, type RawNode, type RawValueInfo,
} from './raw-model';

/** The name of the graph input that carries a segment's starting hook value. */
export function cutInputName(hook: string): string {
  return `${hook}::edited`;
}

export interface SegmentSpec {
  /** The hook whose value the segment takes as input (null: the segment starts at the model's inputs). */
  from: string | null;
  /** Names the segment outputs: graph outputs of model.onnx or any tensor inside it. */
  outputs: string[];
}

/** A model's node list with the lookups the surgery needs. */
export class ParsedModel {
  private readonly model: Record<string, unknown>;
  private readonly graph: RawGraph;
  private readonly nodes: RawNode[];
  private readonly producer = new Map<string, number>();

  constructor(bytes: Uint8Array) {
    this.model = decode<Record<string, unknown>>(Model, bytes);
    this.graph = decode<RawGraph>(Graph, this.model.graph as Uint8Array);
    this.nodes = this.graph.node.map((b) => decode<RawNode>(Node, b));
    this.nodes.forEach((n, i) => n.output.forEach((o) => this.producer.set(o, i)));
  }

  /** The tensor a name stands for once Identity nodes are followed back (a hook output is often an
   *  Identity of the residual stream tensor the next layer reads). */
  sourceOf(name: string): string {
    let cur = name;
    for (let guard = 0; guard < this.nodes.length; guard++) {
      const i = this.producer.get(cur);
      if (i === undefined || this.nodes[i].op_type !== 'Identity') return cur;
      cur = this.nodes[i].input[0];
    }
    return cur;
  }

  /** Output of the first node of this operator type (e.g. the LogSoftmax whose [1, n, vocab] output the
   *  model's top-k and entropy are computed from), or null. */
  firstOutputOf(opType: string): string | null {
    return this.nodes.find((n) => n.op_type === opType)?.output[0] ?? null;
  }

  has(name: string): boolean {
    return this.producer.has(name) || this.graph.input.some((b) => decode<RawValueInfo>(ValueInfo, b).name === name);
  }

  /** model.onnx cut to a segment: serialised ModelProto bytes for an ONNX Runtime session. */
  segment(spec: SegmentSpec): Uint8Array {
    const nodes: RawNode[] = this.nodes.map((n) => ({ ...n, output: [...n.output] }));
    const extraInputs: Uint8Array[] = [];
    if (spec.from !== null) {
      const source = this.sourceOf(spec.from);
      const at = this.producer.get(source);
      if (at === undefined) throw new Error(`model.onnx: no node produces ${spec.from}`);
      const input = cutInputName(spec.from);
      // The producer's result is renamed away (and dropped below as unused); an Identity of the new input
      // takes over its name, so every consumer, and every hook output aliasing it, sees the fed value.
      nodes[at].output = nodes[at].output.map((o) => (o === source ? `${source}::unedited` : o));
      nodes.splice(at + 1, 0, { input: [input], output: [source], op_type: 'Identity', name: `${input}::identity` });
      extraInputs.push(encode(ValueInfo, { ...this.valueInfoOf(spec.from), name: input }));
    }
    const needed = new Set(spec.outputs);
    const keep: boolean[] = new Array(nodes.length).fill(false);
    for (let i = nodes.length - 1; i >= 0; i--) {
      if (!nodes[i].output.some((o) => needed.has(o))) continue;
      keep[i] = true;
      for (const x of nodes[i].input) if (x) needed.add(x);
    }
    const named = (type: protobuf.Type) => (b: Uint8Array) => needed.has(decode<{ name: string }>(type, b).name);
    const graph = {
      ...this.graph,
      node: nodes.filter((_, i) => keep[i]).map((n) => encode(Node, n)),
      initializer: this.graph.initializer.filter(named(TensorName)),
      input: [...this.graph.input.filter(named(ValueInfo)), ...extraInputs.filter(named(ValueInfo))],
      output: spec.outputs.map((o) => encode(ValueInfo, this.valueInfoOf(o))),
      value_info: this.graph.value_info.filter(named(ValueInfo)),
    };
    for (const o of spec.outputs) if (!keep.some((k, i) => k && nodes[i].output.includes(o))) throw new Error(`model.onnx: ${o} cannot be computed in this segment`);
    return encode(Model, { ...this.model, graph: encode(Graph, graph) });
  }

  /** The graph output's or value_info's declaration of `name`; a bare name (type left to ONNX Runtime's
   *  inference) for internal tensors nobody declared. */
  private valueInfoOf(name: string): RawValueInfo {
    for (const list of [this.graph.output, this.graph.value_info, this.graph.input]) {
      for (const b of list) {
        const v = decode<RawValueInfo>(ValueInfo, b);
        if (v.name === name) return v;
      }
    }
    return { name };
  }
}
