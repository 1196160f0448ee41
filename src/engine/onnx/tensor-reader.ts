// Chosen weights out of model.onnx without reading the whole file: one walk over the graph's field
// headers (positioned reads, graph-interface.ts's BlockReader) finds each initializer's name, type, dims
// and where its data lies, and decodes the (small) nodes; then only the tensors asked for are read.
// Explaining a prediction needs a few weights of a model that can be gigabytes, in the worker thread.
import fs from 'node:fs/promises';
import protobuf from 'protobufjs';
import { BlockReader, toNumber } from './graph-interface';
import { toFloat32 } from './initializer';
import { DataType, ModelProto } from './proto';

const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const TENSOR = { DIMS: 1, DATA_TYPE: 2, FLOAT_DATA: 4, NAME: 8, RAW_DATA: 9 } as const;
const WIRE_VARINT = 0;
const WIRE_LENGTH = 2;
/** Nodes larger than this (a Constant holding a big tensor) are not decoded: explain needs none of them. */
const MAX_NODE_BYTES = 1 << 20;

const NodeProto = ModelProto.lookupType('.onnx.NodeProto');

export interface StoredTensor {
  name: string;
  dims: number[];
  dataType: number;
  /** Byte range of raw_data (or of packed float_data, the same little-endian bytes for FLOAT). */
  data?: { start: number; end: number; raw: boolean };
}

export interface StoredNode {
  op: string;
  inputs: string[];
  outputs: string[];
  /** Float attributes (e.g. LayerNormalization's epsilon). */
  floats: Record<string, number>;
}

export class ModelTensors {
  private constructor(
    private readonly fh: fs.FileHandle,
    private readonly reader: BlockReader,
    readonly tensors: ReadonlyMap<string, StoredTensor>,
    readonly nodes: readonly StoredNode[],
  ) {}

  /** Indexes model.onnx's initializers and nodes; throws on a damaged file. Close it when done. */
  static async open(path: string): Promise<ModelTensors> {
    const fh = await fs.open(path, 'r');
    try {
      const reader = new BlockReader(fh, (await fh.stat()).size);
      const tensors = new Map<string, StoredTensor>();
      const nodes: StoredNode[] = [];
      for await (const m of reader.fields(0, reader.size)) {
        if (m.field !== MODEL_GRAPH || m.wire !== WIRE_LENGTH) continue;
        for await (const g of reader.fields(m.start, m.end)) {
          if (g.wire !== WIRE_LENGTH) continue;
          if (g.field === GRAPH_INITIALIZER) {
            const t = await readTensorHeader(reader, g.start, g.end);
            tensors.set(t.name, t);
          } else if (g.field === GRAPH_NODE && g.end - g.start <= MAX_NODE_BYTES) {
            nodes.push(decodeNode(await reader.bytes(g.start, g.end - g.start)));
          }
        }
      }
      return new ModelTensors(fh, reader, tensors, nodes);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  /** A tensor's values as float32 (FLOAT16 widened); null when it is not a float tensor with data. */
  async read(t: StoredTensor): Promise<Float32Array | null> {
    // Packed float_data holds the same little-endian bytes as raw_data would, for FLOAT only.
    if (!t.data || (!t.data.raw && t.dataType !== DataType.FLOAT)) return null;
    return toFloat32({ data_type: t.dataType, raw_data: await this.reader.bytes(t.data.start, t.data.end - t.data.start) });
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

async function readTensorHeader(reader: BlockReader, start: number, end: number): Promise<StoredTensor> {
  const t: StoredTensor = { name: '', dims: [], dataType: 0 };
  for await (const f of reader.fields(start, end)) {
    if (f.field === TENSOR.DIMS && f.wire === WIRE_VARINT) t.dims.push(f.varint ?? 0);
    else if (f.field === TENSOR.DIMS && f.wire === WIRE_LENGTH) {
      const packed = protobuf.Reader.create(await reader.bytes(f.start, f.end - f.start));
      while (packed.pos < packed.len) t.dims.push(toNumber(packed.int64()));
    } else if (f.field === TENSOR.DATA_TYPE && f.wire === WIRE_VARINT) t.dataType = f.varint ?? 0;
    else if (f.field === TENSOR.NAME && f.wire === WIRE_LENGTH && f.end - f.start <= MAX_NODE_BYTES) t.name = (await reader.bytes(f.start, f.end - f.start)).toString('utf8');
    else if (f.field === TENSOR.RAW_DATA && f.wire === WIRE_LENGTH) t.data = { start: f.start, end: f.end, raw: true };
    else if (f.field === TENSOR.FLOAT_DATA && f.wire === WIRE_LENGTH) t.data = { start: f.start, end: f.end, raw: false };
  }
  return t;
}

function decodeNode(bytes: Uint8Array): StoredNode {
  // Reflection-decoded message: its fields are the descriptor's (proto.ts), which TypeScript cannot see.
  const n = NodeProto.decode(bytes) as unknown as { op_type?: string; input?: string[]; output?: string[]; attribute?: { name?: string; type?: number; f?: number }[] };
  const floats: Record<string, number> = {};
  for (const a of n.attribute ?? []) if (a.name && a.type === 1 && typeof a.f === 'number') floats[a.name] = a.f;
  return { op: n.op_type ?? '', inputs: n.input ?? [], outputs: n.output ?? [], floats };
}
