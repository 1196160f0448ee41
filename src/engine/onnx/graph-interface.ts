// The interface of model.onnx's graph: its inputs and outputs (names, element types, dimensions) and
// its initializers' names and dimensions, read with positioned reads of the file. The weights' bytes are
// skipped, never read: a model can be gigabytes, and this runs on the thread that loads the bundle (the
// extension host, for the editor), so it must neither read nor decode the whole file.
import fs from 'node:fs/promises';
import protobuf from 'protobufjs';
import { ModelProto } from './proto';

/** A dimension: a number when fixed, the symbol's name when symbolic, undefined when unnamed. */
export type GraphDim = number | string | undefined;

export interface GraphValue {
  name: string;
  elemType: number;
  dims: GraphDim[];
}

export interface GraphInitializer {
  name: string;
  dims: number[];
}

export interface GraphInterface {
  inputs: GraphValue[];
  outputs: GraphValue[];
  initializers: GraphInitializer[];
}

const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const TENSOR_DIMS = 1;
const TENSOR_NAME = 8;
const WIRE_VARINT = 0;
const WIRE_LENGTH = 2;
/** No input/output declaration or tensor name is near this size; a larger one is a damaged file. */
const MAX_DECLARATION_BYTES = 1 << 20;
const BLOCK_BYTES = 1 << 16;

const ValueInfoProto = ModelProto.lookupType('.onnx.ValueInfoProto');

interface Field {
  field: number;
  wire: number;
  /** Where the value starts (after tag and length) and ends. */
  start: number;
  end: number;
  /** The value of a varint field. */
  varint?: number;
}

/** Positioned reads through one cached block: walking field headers costs one read per 64 KB, not per field.
 *  Also used by tensor-reader.ts, which reads chosen weights the same way. */
export class BlockReader {
  private blockStart = -1;
  private block = Buffer.alloc(0);

  constructor(private readonly fh: fs.FileHandle, readonly size: number) {}

  async bytes(pos: number, length: number): Promise<Buffer> {
    const end = Math.min(pos + length, this.size);
    if (pos >= this.blockStart && end <= this.blockStart + this.block.length) return this.block.subarray(pos - this.blockStart, end - this.blockStart);
    if (end - pos > BLOCK_BYTES) {
      const buf = Buffer.alloc(end - pos);
      const { bytesRead } = await this.fh.read(buf, 0, buf.length, pos);
      return buf.subarray(0, bytesRead);
    }
    const buf = Buffer.alloc(Math.min(BLOCK_BYTES, this.size - pos));
    const { bytesRead } = await this.fh.read(buf, 0, buf.length, pos);
    this.blockStart = pos;
    this.block = buf.subarray(0, bytesRead);
    return this.block.subarray(0, end - pos);
  }

  /** The fields of the message stored in [start, end), in file order. */
  async *fields(start: number, end: number): AsyncGenerator<Field> {
    let pos = start;
    while (pos < end) {
      const head = protobuf.Reader.create(await this.bytes(pos, 20));
      const tag = head.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      let length = 0;
      let varint: number | undefined;
      if (wire === WIRE_LENGTH) length = head.uint32();
      else if (wire === WIRE_VARINT) varint = toNumber(head.int64());
      else head.skipType(wire);
      const valueStart = pos + head.pos;
      const valueEnd = valueStart + length;
      if (field === 0 || valueEnd > end) throw new Error(`a field at byte ${pos} runs past its message`);
      yield { field, wire, start: valueStart, end: valueEnd, varint };
      pos = valueEnd;
    }
  }
}

/** An int64 as protobufjs reads it (a number, or a Long when long.js is installed) as a number. */
export function toNumber(v: number | protobuf.Long): number {
  return typeof v === 'number' ? v : protobuf.util.LongBits.from(v).toNumber();
}

async function readDeclaration(reader: BlockReader, f: Field): Promise<GraphValue> {
  if (f.end - f.start > MAX_DECLARATION_BYTES) throw new Error(`an input/output declaration of ${f.end - f.start} bytes`);
  // Reflection-decoded message: its fields are the descriptor's (proto.ts), which TypeScript cannot see.
  const v = ValueInfoProto.decode(await reader.bytes(f.start, f.end - f.start)) as unknown as {
    name?: string;
    type?: { tensor_type?: { elem_type?: number; shape?: { dim?: { value?: 'dim_value' | 'dim_param'; dim_value: number | protobuf.Long; dim_param: string }[] } } };
  };
  const t = v.type?.tensor_type;
  return {
    name: v.name ?? '',
    elemType: t?.elem_type ?? 0,
    // `value` names the member of the Dimension oneof that is set (the other reads as its default).
    dims: (t?.shape?.dim ?? []).map((d) => (d.value === 'dim_value' ? toNumber(d.dim_value) : d.value === 'dim_param' ? d.dim_param : undefined)),
  };
}

/** Name and dims of a TensorProto, skipping its data (raw_data, float_data…) unread. */
async function readInitializer(reader: BlockReader, f: Field): Promise<GraphInitializer> {
  const out: GraphInitializer = { name: '', dims: [] };
  for await (const t of reader.fields(f.start, f.end)) {
    if (t.field === TENSOR_DIMS && t.wire === WIRE_VARINT) {
      out.dims.push(t.varint ?? 0);
    } else if (t.field === TENSOR_DIMS && t.wire === WIRE_LENGTH) {
      const packed = protobuf.Reader.create(await reader.bytes(t.start, t.end - t.start));
      while (packed.pos < packed.len) out.dims.push(toNumber(packed.int64()));
    } else if (t.field === TENSOR_NAME && t.wire === WIRE_LENGTH) {
      if (t.end - t.start > MAX_DECLARATION_BYTES) throw new Error(`an initializer name of ${t.end - t.start} bytes`);
      out.name = (await reader.bytes(t.start, t.end - t.start)).toString('utf8');
    }
  }
  return out;
}

/** The graph's inputs, outputs and initializer shapes; a sentence saying what is unreadable otherwise. */
export async function readGraphInterface(abs: string): Promise<{ ok: true; value: GraphInterface } | { ok: false; message: string }> {
  const fh = await fs.open(abs, 'r');
  try {
    const reader = new BlockReader(fh, (await fh.stat()).size);
    const graph: GraphInterface = { inputs: [], outputs: [], initializers: [] };
    for await (const m of reader.fields(0, reader.size)) {
      if (m.field !== MODEL_GRAPH || m.wire !== WIRE_LENGTH) continue;
      for await (const g of reader.fields(m.start, m.end)) {
        if (g.wire !== WIRE_LENGTH) continue;
        if (g.field === GRAPH_INPUT) graph.inputs.push(await readDeclaration(reader, g));
        else if (g.field === GRAPH_OUTPUT) graph.outputs.push(await readDeclaration(reader, g));
        else if (g.field === GRAPH_INITIALIZER) graph.initializers.push(await readInitializer(reader, g));
      }
    }
    return { ok: true, value: graph };
  } catch (e) {
    return { ok: false, message: `has a graph that could not be read (${(e as Error).message})` };
  } finally {
    await fh.close();
  }
}
