// A cheap structural check of an ONNX file that needs neither ONNX Runtime nor reading the whole file:
// walk the top-level fields of the ModelProto protobuf with positioned reads. A truncated file ends in
// the middle of a field (usually the graph, which is most of the file); a file that is not ONNX fails
// on its first bytes. Creating an InferenceSession is the inference layer's job.
import fs from 'node:fs/promises';

const GRAPH_FIELD = 7;
const OPSET_IMPORT_FIELD = 8;

/** null when the file is a complete ModelProto with a graph; otherwise what is wrong. */
export async function checkOnnxStructure(abs: string): Promise<string | null> {
  const fh = await fs.open(abs, 'r');
  try {
    const size = (await fh.stat()).size;
    if (size === 0) return 'is empty';
    const head = Buffer.alloc(16);
    let pos = 0;
    let sawGraph = false;
    let sawOpset = false;
    let fields = 0;
    while (pos < size) {
      const { bytesRead } = await fh.read(head, 0, 16, pos);
      const b = head.subarray(0, bytesRead);
      const tag = readVarint(b, 0);
      if (!tag) return `ends inside a field header at byte ${pos} of ${size} (truncated)`;
      const field = Number(tag.value >> 3n);
      const wire = Number(tag.value & 7n);
      if (field === 0 || field > 1000) return fields === 0 ? 'does not start like an ONNX model (protobuf ModelProto)' : `has an invalid field at byte ${pos} (corrupt)`;
      let next: number;
      if (wire === 0) {
        const v = readVarint(b, tag.length);
        if (!v) return `ends inside a field at byte ${pos} of ${size} (truncated)`;
        next = pos + tag.length + v.length;
      } else if (wire === 1) {
        next = pos + tag.length + 8;
      } else if (wire === 5) {
        next = pos + tag.length + 4;
      } else if (wire === 2) {
        const len = readVarint(b, tag.length);
        if (!len) return `ends inside a field length at byte ${pos} of ${size} (truncated)`;
        next = pos + tag.length + len.length + Number(len.value);
      } else {
        return fields === 0 ? 'does not start like an ONNX model (protobuf ModelProto)' : `has an invalid wire type at byte ${pos} (corrupt)`;
      }
      if (next > size) return `is truncated: its ${field === GRAPH_FIELD ? 'graph' : `field ${field}`} runs to byte ${next} but the file is ${size} bytes`;
      if (field === GRAPH_FIELD && wire === 2) sawGraph = true;
      if (field === OPSET_IMPORT_FIELD && wire === 2) sawOpset = true;
      fields++;
      pos = next;
    }
    if (!sawGraph) return 'holds no graph (not an ONNX model, or truncated)';
    // opset_import follows the graph in exported files; a cut exactly at the graph's end loses it.
    if (!sawOpset) return 'has no opset_import (truncated, or not a complete ONNX model)';
    return null;
  } finally {
    await fh.close();
  }
}

function readVarint(b: Uint8Array, at: number): { value: bigint; length: number } | null {
  let value = 0n;
  for (let i = 0; i < 10; i++) {
    if (at + i >= b.length) return null;
    const byte = b[at + i];
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if ((byte & 0x80) === 0) return { value, length: i + 1 };
  }
  return null;
}
