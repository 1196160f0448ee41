// Where a snapshot may be written, checked before any analysis so that nothing is lost: never over an
// input file (after resolving links: same device and inode), never over a file that is not a snapshot
// this tool wrote (or, for the activations, not its activations file), never both files on one path.
// Messages name the file and never quote its content.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Result } from '../types';
import { ACTIVATIONS_FORMAT, activationsCollide, activationsPathFor } from './write';
import { SNAPSHOT_FORMAT } from './types';

/** How every snapshot this tool writes begins (JSON.stringify keeps the key order of build.ts). */
const SNAPSHOT_START = new RegExp(`^\\{"format":"${SNAPSHOT_FORMAT}"`);
const SAFETENSORS_HEADER_MAX = 1024 * 1024;

export interface SnapshotTargets {
  jsonPath: string;
  activationsPath?: string;
}

type Kind = 'snapshot' | 'activations';

async function readStart(file: string, bytes: number): Promise<Buffer> {
  const fh = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function isOwnActivationsFile(file: string): Promise<boolean> {
  const head = await readStart(file, 8);
  if (head.length < 8) return false;
  const headerLen = Number(head.readBigUInt64LE(0));
  if (headerLen <= 0 || headerLen > SAFETENSORS_HEADER_MAX) return false;
  const header = (await readStart(file, 8 + headerLen)).subarray(8);
  try {
    const meta = (JSON.parse(header.toString('utf8')) as { __metadata__?: { format?: unknown } }).__metadata__;
    return meta?.format === ACTIVATIONS_FORMAT;
  } catch {
    return false;
  }
}

async function isOwnFile(file: string, kind: Kind): Promise<boolean> {
  if (kind === 'activations') return isOwnActivationsFile(file);
  return SNAPSHOT_START.test((await readStart(file, 64)).toString('latin1'));
}

/** Why `target` must not be written, or null. */
async function targetProblem(target: string, kind: Kind, inputs: string[], flag: string): Promise<string | null> {
  let st;
  try {
    st = await fs.stat(target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    return `${flag} ${target} cannot be checked: ${(e as Error).message}`;
  }
  for (const input of inputs) {
    const inSt = await fs.stat(input).catch(() => undefined);
    if (inSt && inSt.dev === st.dev && inSt.ino === st.ino) {
      return `${flag} ${target} is the input file ${input}${path.resolve(target) === path.resolve(input) ? '' : ' (through a link)'}; writing there would replace it`;
    }
  }
  if (st.isDirectory()) return `${flag} ${target} is a folder; name a file`;
  if (!st.isFile()) return `${flag} ${target} exists and is not a regular file`;
  let own: boolean;
  try {
    own = await isOwnFile(target, kind);
  } catch (e) {
    return `${flag} ${target} exists and cannot be read to check it: ${(e as Error).message}`;
  }
  if (!own) {
    return kind === 'snapshot'
      ? `${flag} ${target} exists and is not an Activation Inspector snapshot; it was left alone (remove it or choose another name)`
      : `${target} (where the activations would go) exists and is not an Activation Inspector activations file; it was left alone (remove it or choose another name)`;
  }
  return null;
}

/**
 * The files an export to `jsonPath` would write, or why it must not: an empty path, the activations on
 * the same path as the JSON, a target that is one of `inputs`, a folder or device, or an existing file
 * that is not a snapshot (or activations file) this tool wrote. `flag` names the option in messages.
 */
export async function checkSnapshotTargets(jsonPath: string, options: { inputs?: string[]; withActivations?: boolean; flag?: string } = {}): Promise<Result<SnapshotTargets>> {
  const flag = options.flag ?? 'the snapshot path';
  const refuse = (message: string): Result<SnapshotTargets> => ({ ok: false, error: { kind: 'bad-input', file: jsonPath, message } });
  if (jsonPath.trim() === '') return refuse(`${flag} is empty; name the snapshot file to write`);
  const inputs = options.inputs ?? [];
  const activationsPath = options.withActivations ? activationsPathFor(jsonPath) : undefined;
  if (activationsPath !== undefined && activationsCollide(jsonPath)) {
    return refuse(`${flag} ${jsonPath} ends in .safetensors, where the activations would be written too; give the snapshot a .json name (the activations go beside it)`);
  }
  const jsonProblem = await targetProblem(jsonPath, 'snapshot', inputs, flag);
  if (jsonProblem) return refuse(jsonProblem);
  if (activationsPath !== undefined) {
    const problem = await targetProblem(activationsPath, 'activations', inputs, flag);
    if (problem) return refuse(problem);
  }
  return { ok: true, value: { jsonPath, activationsPath } };
}
