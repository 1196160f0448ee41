// ONNX as the engine uses it, apart from running it (ONNX Runtime): the protobuf subset it writes and
// reads (proto.ts), reading initializers out of model.onnx (initializer.ts; chosen ones by positioned
// reads, tensor-reader.ts), the bundle's cheap structural check of model.onnx (structure-check.ts), and
// the session options every session shares.
export { AttributeType, DataType, encodeModel, ModelProto } from './proto';
export type { Dim, GraphSpec, NodeSpec, TensorInit } from './proto';
export { halfToFloat, readInitializerByShape } from './initializer';
export { checkOnnxStructure } from './structure-check';
export { sessionOptions } from './session-options';
export type { SessionTuning } from './session-options';
export { readGraphInterface } from './graph-interface';
export { ModelTensors } from './tensor-reader';
export type { StoredNode, StoredTensor } from './tensor-reader';
export type { GraphDim, GraphInitializer, GraphInterface, GraphValue } from './graph-interface';
// ModelProto with untouched sub-messages kept as bytes, for graph rewrites (edit segments, counting in float).
export { decodeRaw, encodeRaw, RawGraphType, RawModel, RawNodeType, RawTensorName, RawValueInfoType } from './raw-model';
export type { RawGraph, RawNode, RawValueInfo } from './raw-model';
export { countInFloat } from './count-in-float';
// Segments of model.onnx (from a hook or the inputs, to chosen outputs): feature edits, the KV-only session.
export { cutInputName, ParsedModel } from './graph-surgery';
export type { SegmentSpec } from './graph-surgery';
