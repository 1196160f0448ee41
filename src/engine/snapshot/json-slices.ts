// JSON.parse of a large document without holding the thread for the whole parse: a snapshot of a 200 KB
// document is over 100 MB of JSON, and one JSON.parse of that blocks the extension host for a second or
// more. A top-level object is cut into its members, and a member that is an array into its elements
// (a snapshot's tokens); each piece goes through JSON.parse on its own, and the parser yields to the
// event loop whenever a slice of time has passed. The result equals JSON.parse(text) (the last of
// duplicate keys wins, "__proto__" is an ordinary key); errors never quote the text.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** A syntax error, said without quoting the text: "expected "," or "]" at character 1234". */
export class JsonSliceError extends Error {}

/** JSON.parse of text[start, end), its errors restated with positions in the whole text. */
function parsePiece(text: string, start: number, end: number): unknown {
  try {
    return JSON.parse(text.slice(start, end));
  } catch (e) {
    const at = /at position (\d+)/.exec((e as Error)?.message ?? '')?.[1];
    throw new JsonSliceError(at === undefined ? `invalid value at character ${start}` : `unexpected character at character ${start + Number(at)}`);
  }
}

export interface SliceOptions {
  /** Longest stretch of parsing between yields to the event loop, in milliseconds (default 8). */
  sliceMs?: number;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Deepest nesting accepted (a snapshot needs 5): JSON.parse of a value nested a million deep holds
 *  the thread for a quarter of a second even when the value is small. */
export const MAX_JSON_DEPTH = 64;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Decoding a large file in one call holds the thread too (about 200 ms for 130 MB): 4 MiB at a time. */
const DECODE_CHUNK_BYTES = 4 * 1024 * 1024;

/** UTF-8 bytes to a string, decoded a chunk at a time with a yield to the event loop between chunks. */
export async function decodeUtf8InSlices(bytes: Uint8Array): Promise<string> {
  if (bytes.length <= DECODE_CHUNK_BYTES) return new TextDecoder().decode(bytes);
  const decoder = new TextDecoder();
  const parts: string[] = [];
  for (let at = 0; at < bytes.length; at += DECODE_CHUNK_BYTES) {
    parts.push(decoder.decode(bytes.subarray(at, at + DECODE_CHUNK_BYTES), { stream: true }));
    await yieldToEventLoop();
  }
  parts.push(decoder.decode());
  return parts.join('');
}

/** Parses JSON text, yielding to the event loop between pieces. Throws JsonSliceError. */
export async function parseJsonInSlices(text: string, options: SliceOptions = {}): Promise<unknown> {
  const sliceMs = options.sliceMs ?? 8;
  let sliceStart = Date.now();
  const maybeYield = async () => {
    if (Date.now() - sliceStart < sliceMs) return;
    await yieldToEventLoop();
    sliceStart = Date.now();
  };
  const fail = (at: number, what: string): never => {
    throw new JsonSliceError(`${what} at character ${at}`);
  };
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) === 0x5b /* [ */) endOfValue(text, i, fail); // its depth, before JSON.parse
  if (text.charCodeAt(i) !== 0x7b /* { */) return parsePiece(text, 0, text.length);
  const out: Record<string, unknown> = {};
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === 0x7d /* } */) return finish(text, i + 1, out, fail);
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) fail(i, 'expected a member name');
    const keyEnd = endOfString(text, i, fail);
    const key = parsePiece(text, i, keyEnd) as string;
    i = skipSpace(text, keyEnd);
    if (text.charCodeAt(i) !== 0x3a /* : */) fail(i, 'expected ":"');
    i = skipSpace(text, i + 1);
    let value: unknown;
    if (text.charCodeAt(i) === 0x5b /* [ */) {
      const items: unknown[] = [];
      i = skipSpace(text, i + 1);
      if (text.charCodeAt(i) === 0x5d /* ] */) i++;
      else {
        for (;;) {
          const end = endOfValue(text, i, fail);
          items.push(parsePiece(text, i, end));
          await maybeYield();
          i = skipSpace(text, end);
          const c = text.charCodeAt(i);
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
    const c = text.charCodeAt(i);
    if (c === 0x7d) return finish(text, i + 1, out, fail);
    if (c !== 0x2c) fail(i, 'expected "," or "}"');
    i = skipSpace(text, i + 1);
  }
}

function finish(text: string, i: number, value: unknown, fail: (at: number, what: string) => never): unknown {
  const end = skipSpace(text, i);
  if (end !== text.length) fail(end, 'unexpected text after the end');
  return value;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** Index just past the string that opens at `i` (a quote). */
function endOfString(text: string, i: number, fail: (at: number, what: string) => never): number {
  let from = i + 1;
  for (;;) {
    const q = text.indexOf('"', from);
    if (q < 0) fail(i, 'unterminated string');
    let backslashes = 0;
    while (text.charCodeAt(q - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/**
 * Index just past the value that starts at `i`: a string, a bracketed value (brackets counted outside
 * strings, at most MAX_JSON_DEPTH deep), or a literal or number (up to the next delimiter). The slice is
 * checked by JSON.parse.
 */
function endOfValue(text: string, i: number, fail: (at: number, what: string) => never): number {
  const first = text.charCodeAt(i);
  if (first === QUOTE) return endOfString(text, i, fail);
  if (first === 0x7b || first === 0x5b) {
    const structural = /["{}[\]]/g;
    structural.lastIndex = i;
    let depth = 0;
    for (let m = structural.exec(text); m !== null; m = structural.exec(text)) {
      const c = text.charCodeAt(m.index);
      if (c === QUOTE) structural.lastIndex = endOfString(text, m.index, fail);
      else if (c === 0x7b || c === 0x5b) {
        if (++depth > MAX_JSON_DEPTH) fail(m.index, `value nested deeper than ${MAX_JSON_DEPTH} levels`);
      } else if (--depth === 0) return m.index + 1;
    }
    return fail(i, 'unterminated value');
  }
  let j = i;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === 0x2c || c === 0x5d || c === 0x7d || isSpace(c)) break;
    j++;
  }
  if (j === i) fail(i, 'expected a value');
  return j;
}
