// Command-line parsing shared by the subcommands (node:util parseArgs), with one-line errors.
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_BUNDLE_SEGMENTS } from '../shared/defaultBundle';
import { DEFAULT_MAX_DOCUMENT_BYTES, MAX_DOCUMENT_BYTES_CEILING } from '../shared/limits';
import { FEATURE_ORDERS, type FeatureOrder } from '../engine';

export class UsageError extends Error {}

/** The one FILE a command takes, or a usage error that names the command and shows its usage line. */
export function oneFile(command: string, usage: string, positionals: readonly string[]): string {
  if (positionals.length !== 1) throw new UsageError(`${command} takes exactly one FILE (usage: ${usage.split('\n')[0]})`);
  return positionals[0];
}

export interface CommonArgs {
  model: string;
  threads: number;
  sae: string[];
}

/** Default bundle: the one beside the installed package (dist/cli.js -> ..), else under the current folder. */
export function defaultModelDir(): string {
  const candidates = [
    typeof __dirname === 'string' ? path.resolve(__dirname, '..', ...DEFAULT_BUNDLE_SEGMENTS) : '',
    path.resolve(process.cwd(), ...DEFAULT_BUNDLE_SEGMENTS),
  ];
  return candidates.find((c) => c && fs.existsSync(path.join(c, 'manifest.json'))) ?? candidates[0];
}

export const commonOptions = {
  model: { type: 'string' },
  threads: { type: 'string' },
  sae: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

/** Option values as parseArgs returns them: a string, a boolean flag, or a list for `multiple` options. */
export type ArgValues = Record<string, string | boolean | string[] | undefined>;

export function parse(argv: string[], options: OptionSpec): { values: ArgValues; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options: { ...commonOptions, ...options }, allowPositionals: true, strict: true });
    return { values: r.values, positionals: r.positionals };
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]);
  }
}

export function intArg(v: unknown, name: string, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
  return n;
}

/** A string option's value; undefined when absent. */
/** `--order` (analyze, index): which of a token's active features are listed, and in what order
 *  (default unusual, as the extension's activationInspector.featureOrder). */
export function orderArg(v: unknown): FeatureOrder {
  if (v === undefined) return 'unusual';
  const order = FEATURE_ORDERS.find((o) => o === v);
  if (!order) throw new UsageError(`--order must be ${FEATURE_ORDERS.join(' or ')}`);
  return order;
}

export function stringArg(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function listArg(v: unknown): string[] {
  if (v === undefined) return [];
  const parts = (Array.isArray(v) ? v : [v]).flatMap((s: string) => s.split(','));
  return parts.map((s) => s.trim()).filter(Boolean);
}

/** Options of the commands that read source files. */
export const inputOptions = {
  'max-bytes': { type: 'string' },
} as const;

/** --max-bytes: the largest input file read, in bytes (the extension's limit by default). */
export function maxBytesArg(values: ArgValues): number {
  return intArg(values['max-bytes'], 'max-bytes', DEFAULT_MAX_DOCUMENT_BYTES, 1, MAX_DOCUMENT_BYTES_CEILING);
}

export interface TextFile {
  text: string;
  /** The file began with a UTF-8 byte-order mark, which is not part of text. */
  byteOrderMark: boolean;
}

const BYTE_ORDER_MARK = '\uFEFF';

/**
 * Reads a source file of at most maxBytes. Refuses what is not a regular file without a blocking open
 * (a FIFO with no writer, /dev/zero), files over the limit before reading them, and binary files
 * (NUL bytes, invalid UTF-8). A leading byte-order mark is taken off the text and reported.
 */
export function readTextFile(file: string, maxBytes: number = DEFAULT_MAX_DOCUMENT_BYTES): TextFile {
  let buf: Buffer;
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw new UsageError(`${file} is a folder, not a text file`);
    if (!st.isFile()) throw new UsageError(`${file} is not a regular file (a device, pipe or socket); only files are read`);
    if (st.size > maxBytes) {
      throw new UsageError(`${file} is ${st.size.toLocaleString('en-US')} bytes, more than the limit of ${maxBytes.toLocaleString('en-US')}; --max-bytes N raises it (up to ${MAX_DOCUMENT_BYTES_CEILING.toLocaleString('en-US')})`);
    }
    buf = fs.readFileSync(fd);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${file} does not exist` : `${file} could not be read: ${(e as Error).message}`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  if (buf.length > maxBytes) throw new UsageError(`${file} grew past the limit of ${maxBytes.toLocaleString('en-US')} bytes while it was read`);
  if (buf.subarray(0, 65536).includes(0)) throw new UsageError(`${file} looks like a binary file (it contains NUL bytes)`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf);
  } catch {
    throw new UsageError(`${file} is not UTF-8 text`);
  }
  const byteOrderMark = text.startsWith(BYTE_ORDER_MARK);
  return { text: byteOrderMark ? text.slice(1) : text, byteOrderMark };
}
