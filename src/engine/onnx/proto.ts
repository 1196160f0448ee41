// A minimal subset of onnx.proto (field numbers as in onnx/onnx.proto, IR version 8), as a protobufjs
// JSON descriptor: enough to write ModelProto for the small graphs the engine builds at load time
// (dictionary encoders, the logit-lens graph) and to read initializers out of model.onnx.
// protobufjs does the wire encoding; nothing here hand-rolls varints.
import protobuf from 'protobufjs';
import { GRAPH_SCALAR_FIELDS, MODEL_SCALAR_FIELDS, NODE_SCALAR_FIELDS } from './onnx-fields';

const descriptor = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            ...MODEL_SCALAR_FIELDS,
            opset_import: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            graph: { type: 'GraphProto', id: 7 },
          },
        },
        OperatorSetIdProto: {
          fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } },
        },
        GraphProto: {
          fields: {
            ...GRAPH_SCALAR_FIELDS,
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        NodeProto: {
          fields: {
            ...NODE_SCALAR_FIELDS,
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'int32', id: 20 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            data_type: { type: 'int32', id: 2 },
            float_data: { rule: 'repeated', type: 'float', id: 4 },
            int64_data: { rule: 'repeated', type: 'int64', id: 7 },
            name: { type: 'string', id: 8 },
            raw_data: { type: 'bytes', id: 9 },
          },
        },
        ValueInfoProto: {
          fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } },
        },
        TypeProto: {
          fields: { tensor_type: { type: 'TypeProtoTensor', id: 1 } },
        },
        TypeProtoTensor: {
          fields: { elem_type: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } },
        },
        Dimension: {
          oneofs: { value: { oneof: ['dim_value', 'dim_param'] } },
          fields: { dim_value: { type: 'int64', id: 1 }, dim_param: { type: 'string', id: 2 } },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);
export const ModelProto = root.lookupType('onnx.ModelProto');
export const AttributeProto = root.lookupType('onnx.AttributeProto');

export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10 } as const;
export const AttributeType = { FLOAT: 1, INT: 2, TENSOR: 4, INTS: 7 } as const;

export type Dim = number | string;

export interface TensorInit {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array | Int8Array | Uint8Array;
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, number | number[] | { tensor: TensorInit }>;
  /** Integer attributes (ONNX distinguishes f from i). */
  intAttrs?: Record<string, number | number[]>;
}

export interface GraphSpec {
  name: string;
  inputs: { name: string; type: number; shape: Dim[] }[];
  outputs: { name: string; type: number; shape: Dim[] }[];
  initializers: TensorInit[];
  nodes: NodeSpec[];
  opset?: number;
}

function dataType(data: TensorInit['data']): number {
  if (data instanceof Float32Array) return DataType.FLOAT;
  if (data instanceof Int8Array) return DataType.INT8;
  if (data instanceof Uint8Array) return DataType.UINT8;
  return DataType.INT64;
}

function tensorProto(t: TensorInit): Record<string, unknown> {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return {
    name: t.name,
    dims: t.dims,
    data_type: dataType(t.data),
    // raw_data is little-endian; so are typed arrays on every platform Node runs on here (x64/arm64).
    raw_data: bytes,
  };
}

function valueInfo(v: { name: string; type: number; shape: Dim[] }): Record<string, unknown> {
  return {
    name: v.name,
    type: {
      tensor_type: {
        elem_type: v.type,
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

function attributes(n: NodeSpec): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const [name, v] of Object.entries(n.intAttrs ?? {})) {
    out.push(Array.isArray(v) ? { name, type: AttributeType.INTS, ints: v } : { name, type: AttributeType.INT, i: v });
  }
  for (const [name, v] of Object.entries(n.attrs ?? {})) {
    if (typeof v === 'number') out.push({ name, type: AttributeType.FLOAT, f: v });
    else if (Array.isArray(v)) out.push({ name, type: 6, floats: v });
    else out.push({ name, type: AttributeType.TENSOR, t: tensorProto(v.tensor) });
  }
  return out;
}

/** Serialises a graph description to ONNX ModelProto bytes (ready for InferenceSession.create). */
export function encodeModel(g: GraphSpec): Uint8Array {
  const msg = ModelProto.fromObject({
    ir_version: 8,
    producer_name: 'activation-inspector',
    opset_import: [{ domain: '', version: g.opset ?? 17 }],
    graph: {
      name: g.name,
      input: g.inputs.map(valueInfo),
      output: g.outputs.map(valueInfo),
      initializer: g.initializers.map(tensorProto),
      node: g.nodes.map((n, i) => ({
        name: `${n.op}_${i}`,
        op_type: n.op,
        input: n.inputs,
        output: n.outputs,
        attribute: attributes(n),
      })),
    },
  });
  return ModelProto.encode(msg).finish();
}
