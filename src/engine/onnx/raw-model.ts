// ONNX ModelProto read with "raw" message types in which every sub-message a rewrite does not change is
// kept as its bytes: attributes, tensors, types and metadata go back out exactly as they came in. Shared by
// the model segments (graph-surgery.ts) and the analysis model's rewrites (count-in-float.ts).
import protobuf from 'protobufjs';
import { GRAPH_SCALAR_FIELDS, MODEL_SCALAR_FIELDS, NODE_SCALAR_FIELDS } from './onnx-fields';

const root = protobuf.Root.fromJSON({
  nested: {
    raw: {
      nested: {
        Model: {
          fields: {
            ...MODEL_SCALAR_FIELDS,
            graph: { type: 'bytes', id: 7 },
            opset_import: { rule: 'repeated', type: 'bytes', id: 8 },
            metadata_props: { rule: 'repeated', type: 'bytes', id: 14 },
            training_info: { rule: 'repeated', type: 'bytes', id: 20 },
            functions: { rule: 'repeated', type: 'bytes', id: 25 },
          },
        },
        Graph: {
          fields: {
            ...GRAPH_SCALAR_FIELDS,
            node: { rule: 'repeated', type: 'bytes', id: 1 },
            initializer: { rule: 'repeated', type: 'bytes', id: 5 },
            input: { rule: 'repeated', type: 'bytes', id: 11 },
            output: { rule: 'repeated', type: 'bytes', id: 12 },
            value_info: { rule: 'repeated', type: 'bytes', id: 13 },
            quantization_annotation: { rule: 'repeated', type: 'bytes', id: 14 },
            sparse_initializer: { rule: 'repeated', type: 'bytes', id: 15 },
            metadata_props: { rule: 'repeated', type: 'bytes', id: 16 },
          },
        },
        Node: {
          fields: {
            ...NODE_SCALAR_FIELDS,
            attribute: { rule: 'repeated', type: 'bytes', id: 5 },
            doc_string: { type: 'string', id: 6 },
            overload: { type: 'string', id: 8 },
            metadata_props: { rule: 'repeated', type: 'bytes', id: 9 },
          },
        },
        ValueInfo: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'bytes', id: 2 },
            doc_string: { type: 'string', id: 3 },
            metadata_props: { rule: 'repeated', type: 'bytes', id: 4 },
          },
        },
        TensorName: { fields: { name: { type: 'string', id: 8 } } },
      },
    },
  },
});
export const RawModel = root.lookupType('raw.Model');
export const RawGraphType = root.lookupType('raw.Graph');
export const RawNodeType = root.lookupType('raw.Node');
export const RawValueInfoType = root.lookupType('raw.ValueInfo');
export const RawTensorName = root.lookupType('raw.TensorName');

export interface RawNode {
  input: string[];
  output: string[];
  op_type?: string;
  [field: string]: unknown;
}
export interface RawValueInfo {
  name: string;
  type?: Uint8Array;
  [field: string]: unknown;
}
export type RawGraph = Record<string, unknown> & { node: Uint8Array[]; initializer: Uint8Array[]; input: Uint8Array[]; output: Uint8Array[]; value_info: Uint8Array[] };

export const decodeRaw = <T>(type: protobuf.Type, bytes: Uint8Array): T => type.toObject(type.decode(bytes), { defaults: true, longs: String }) as T;
export const encodeRaw = (type: protobuf.Type, obj: object): Uint8Array => type.encode(type.fromObject(obj)).finish();
