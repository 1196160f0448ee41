// Field numbers of onnx.proto (onnx/onnx.proto, IR version 8) that the typed descriptor (proto.ts, which
// writes the engine's own graphs) and the raw one (raw-model.ts, which rewrites model.onnx keeping every
// untouched sub-message as bytes) declare alike: the scalar and string fields of ModelProto, GraphProto and
// NodeProto. Each descriptor adds the sub-message fields in its own way (typed, or as bytes).
export const MODEL_SCALAR_FIELDS = {
  ir_version: { type: 'int64', id: 1 },
  producer_name: { type: 'string', id: 2 },
  producer_version: { type: 'string', id: 3 },
  domain: { type: 'string', id: 4 },
  model_version: { type: 'int64', id: 5 },
  doc_string: { type: 'string', id: 6 },
} as const;

export const GRAPH_SCALAR_FIELDS = {
  name: { type: 'string', id: 2 },
  doc_string: { type: 'string', id: 10 },
} as const;

export const NODE_SCALAR_FIELDS = {
  input: { rule: 'repeated', type: 'string', id: 1 },
  output: { rule: 'repeated', type: 'string', id: 2 },
  name: { type: 'string', id: 3 },
  op_type: { type: 'string', id: 4 },
  domain: { type: 'string', id: 7 },
} as const;
