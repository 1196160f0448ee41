// JSON.parse of a large document without holding the thread for the whole parse: a snapshot of a 200 KB
// document is over 100 MB of JSON, and one JSON.parse of that blocks the extension host for a second or
// more. A top-level object is cut into its members, and a member that is an array into its elements
// (a snapshot's tokens); each piece goes through JSON.parse on its own, and the parser yields to the
// event loop whenever a slice of time has passed. The result equals JSON.parse(text) (the last of
// duplicate keys wins, "__proto__" is an ordinary key); errors never quote the text. Given UTF-8 bytes,
// it cuts the bytes (JSON's structural characters are ASCII, never part of a multi-byte character) and
// decodes each piece alone: no string of the whole file is ever made (joining one holds the thread for
// 150 ms at 200 MB, and doubles the memory).
import { yieldEvery } from './slices';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** A syntax error, said without quoting the text: "expected "," or "]" at character 1234". */
export class JsonSliceError extends Error {}

/** What the parser reads: a string by UTF-16 code units, or UTF-8 bytes by bytes. */
interface JsonSource {
  length: number;
  /** The code unit or byte at i (NaN past the end). */
  code(i: number): number;
  /** Index of the next '"' at or after `from`, or -1. */
  quoteFrom(from: number): number;
  /** Index of the next '"', '{', '}', '[' or ']' at or after `from`, or -1. */
  structuralFrom(from: number): number;
  /** The text of [start, end). */
  text(start: number, end: number): string;
}

function stringSource(text: string): JsonSource {
  const structural = /["{}[\]]/g;
  return {
    length: text.length,
    code: (i) => text.charCodeAt(i),
    quoteFrom: (from) => text.indexOf('"', from),
    structuralFrom: (from) => {
      structural.lastIndex = from;
      return structural.exec(text)?.index ?? -1;
    },
    text: (start, end) => text.slice(start, end),
  };
}

function isStructural(c: number): boolean {
  return c === QUOTE || c === 0x7b || c === 0x7d || c === 0x5b || c === 0x5d;
}

function utf8Source(bytes: Uint8Array): JsonSource {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    length: buf.length,
    code: (i) => (i < buf.length ? buf[i] : NaN),
    quoteFrom: (from) => buf.indexOf(QUOTE, from),
    structuralFrom: (from) => {
      for (let i = from; i < buf.length; i++) if (isStructural(buf[i])) return i;
      return -1;
    },
    text: (start, end) => buf.toString('utf8', start, end),
  };
}

/** JSON.parse of text[start, end), its errors restated with positions in the whole text. */
function parsePiece(src: JsonSource, start: number, end: number): unknown {
  try {
    return JSON.parse(src.text(start, end));
  } catch (e) {
    const at = /at position (\d+)/.exec((e as Error)?.message ?? '')?.[1];
    throw new JsonSliceError(at === undefined ? `invalid value at character ${start}` : `unexpected character at character ${start + Number(at)}`);
  }
}

export interface SliceOptions {
  /** Longest stretch of parsing between yields to the event loop, in milliseconds (default 8). */
  sliceMs?: number;
}

/** Deepest nesting accepted (a snapshot needs 5): JSON.parse of a value nested a million deep holds
 *  the thread for a quarter of a second even when the value is small. */
export const MAX_JSON_DEPTH = 64;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Parses JSON text, or UTF-8 bytes (a leading byte-order mark skipped, invalid sequences read as U+FFFD,
 * as TextDecoder does; positions in errors are then byte offsets), yielding to the event loop between
 * pieces. Throws JsonSliceError.
 */
export async function parseJsonInSlices(input: string | Uint8Array, options: SliceOptions = {}): Promise<unknown> {
  const text = typeof input === 'string' ? stringSource(input) : utf8Source(input);
  const bom = typeof input !== 'string' && input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf ? 3 : 0;
  const sliceMs = options.sliceMs ?? 8;
  const maybeYield = yieldEvery(sliceMs);
  const fail = (at: number, what: string): never => {
    throw new JsonSliceError(`${what} at character ${at}`);
  };
  let i = skipSpace(text, bom);
  if (text.code(i) === 0x5b /* [ */) endOfValue(text, i, fail); // its depth, before JSON.parse
  if (text.code(i) !== 0x7b /* { */) return parsePiece(text, bom, text.length);
  const out: Record<string, unknown> = {};
  i = skipSpace(text, i + 1);
  if (text.code(i) === 0x7d /* } */) return finish(text, i + 1, out, fail);
  for (;;) {
    if (text.code(i) !== QUOTE) fail(i, 'expected a member name');
    const keyEnd = endOfString(text, i, fail);
    const key = parsePiece(text, i, keyEnd) as string;
    i = skipSpace(text, keyEnd);
    if (text.code(i) !== 0x3a /* : */) fail(i, 'expected ":"');
    i = skipSpace(text, i + 1);
    let value: unknown;
    if (text.code(i) === 0x5b /* [ */) {
      const items: unknown[] = [];
      i = skipSpace(text, i + 1);
      if (text.code(i) === 0x5d /* ] */) i++;
      else {
        for (;;) {
          const end = endOfValue(text, i, fail);
          items.push(parsePiece(text, i, end));
          await maybeYield();
          i = skipSpace(text, end);
          const c = text.code(i);
          if (c === 0x5d) {
            i++;
            break;
          }
          if (c !== 0x2c /* , */) fail(i, 'expected "," or "]"');
          i = skipSpace(text, i + 1);
        }
      }
      value = items;
    } else {
      const end = endOfValue(text, i, fail);
      value = parsePiece(text, i, end);
      await maybeYield();
      i = end;
    }
    Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
    i = skipSpace(text, i);
    const c = text.code(i);
    if (c === 0x7d) return finish(text, i + 1, out, fail);
    if (c !== 0x2c) fail(i, 'expected "," or "}"');
    i = skipSpace(text, i + 1);
  }
}

function finish(text: JsonSource, i: number, value: unknown, fail: (at: number, what: string) => never): unknown {
  const end = skipSpace(text, i);
  if (end !== text.length) fail(end, 'unexpected text after the end');
  return value;
}

function skipSpace(text: JsonSource, i: number): number {
  while (i < text.length && isSpace(text.code(i))) i++;
  return i;
}

/** Index just past the string that opens at `i` (a quote). */
function endOfString(text: JsonSource, i: number, fail: (at: number, what: string) => never): number {
  let from = i + 1;
  for (;;) {
    const q = text.quoteFrom(from);
    if (q < 0) fail(i, 'unterminated string');
    let backslashes = 0;
    while (text.code(q - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/**
 * Index just past the value that starts at `i`: a string, a bracketed value (brackets counted outside
 * strings, at most MAX_JSON_DEPTH deep), or a literal or number (up to the next delimiter). The slice is
 * checked by JSON.parse.
 */
function endOfValue(text: JsonSource, i: number, fail: (at: number, what: string) => never): number {
  const first = text.code(i);
  if (first === QUOTE) return endOfString(text, i, fail);
  if (first === 0x7b || first === 0x5b) {
    let depth = 0;
    for (let at = text.structuralFrom(i); at >= 0; ) {
      const c = text.code(at);
      if (c === QUOTE) {
        at = text.structuralFrom(endOfString(text, at, fail));
        continue;
      }
      if (c === 0x7b || c === 0x5b) {
        if (++depth > MAX_JSON_DEPTH) fail(at, `value nested deeper than ${MAX_JSON_DEPTH} levels`);
      } else if (--depth === 0) return at + 1;
      at = text.structuralFrom(at + 1);
    }
    return fail(i, 'unterminated value');
  }
  let j = i;
  while (j < text.length) {
    const c = text.code(j);
    if (c === 0x2c || c === 0x5d || c === 0x7d || isSpace(c)) break;
    j++;
  }
  if (j === i) fail(i, 'expected a value');
  return j;
}
