// Command-line parsing shared by the subcommands (node:util parseArgs), with one-line errors.
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_BUNDLE_SEGMENTS } from '../shared/defaultBundle';

export class UsageError extends Error {}

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
export function stringArg(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function listArg(v: unknown): string[] {
  if (v === undefined) return [];
  const parts = (Array.isArray(v) ? v : [v]).flatMap((s: string) => s.split(','));
  return parts.map((s) => s.trim()).filter(Boolean);
}

/** Reads a text file; refuses missing, unreadable, directory and binary (NUL bytes / invalid UTF-8) files. */
export function readTextFile(file: string): string {
  let buf: Buffer;
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) throw new UsageError(`${file} is a folder, not a text file`);
    buf = fs.readFileSync(file);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${file} does not exist` : `${file} could not be read: ${(e as Error).message}`);
  }
  if (buf.subarray(0, 65536).includes(0)) throw new UsageError(`${file} looks like a binary file (it contains NUL bytes)`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new UsageError(`${file} is not UTF-8 text`);
  }
}
