// GPT-2's byte-level alphabet. Byte-level BPE tokenizers never see text: they see UTF-8 bytes, each
// written as one printable character (GPT-2's `bytes_to_unicode`), so a token's string maps back to the
// exact bytes it covers. That is what lets us recover character offsets the tokenizer library does not
// return.

/** Printable stand-in character (code point) -> byte, and byte -> stand-in, as in GPT-2's encoder.py. */
function buildTables(): { charToByte: Map<number, number>; byteToChar: string[] } {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b); // '!'..'~'
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b); // '¡'..'¬'
  for (let b = 0xae; b <= 0xff; b++) printable.push(b); // '®'..'ÿ'
  const isPrintable = new Set(printable);
  const charToByte = new Map<number, number>();
  const byteToChar: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const cp = isPrintable.has(b) ? b : 256 + extra++;
    charToByte.set(cp, b);
    byteToChar[b] = String.fromCodePoint(cp);
  }
  return { charToByte, byteToChar };
}

const tables = buildTables();
export const BYTE_TO_CHAR: readonly string[] = tables.byteToChar;

/**
 * The UTF-8 bytes a byte-level token string stands for. Returns null when the string holds a character
 * outside the byte alphabet (then it is not a byte-level token, e.g. an added token's literal content).
 */
export function byteLevelToBytes(token: string): Uint8Array | null {
  const out = new Uint8Array(token.length);
  let n = 0;
  for (const ch of token) {
    const b = tables.charToByte.get(ch.codePointAt(0)!);
    if (b === undefined) return null;
    out[n++] = b;
  }
  return out.subarray(0, n);
}

/** Bytes as the byte-level alphabet writes them (inverse of byteLevelToBytes). */
export function bytesToByteLevel(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += BYTE_TO_CHAR[b];
  return s;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Bytes as display text: valid UTF-8 decodes normally; bytes that are not a whole character (a token
 * holding part of an emoji, say) are shown as `\xNN` so a list of predictions still tells them apart.
 */
export function bytesToDisplayText(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    // Decode the longest valid runs, escape the rest byte by byte.
    let out = '';
    let i = 0;
    while (i < bytes.length) {
      const len = validSequenceLength(bytes, i);
      if (len > 0) {
        out += decoder.decode(bytes.subarray(i, i + len));
        i += len;
      } else {
        out += '\\x' + bytes[i].toString(16).toUpperCase().padStart(2, '0');
        i++;
      }
    }
    return out;
  }
}

/** Length of the valid UTF-8 sequence starting at i, or 0 when the bytes there are not one. */
function validSequenceLength(b: Uint8Array, i: number): number {
  const x = b[i];
  const len = x < 0x80 ? 1 : x >= 0xc2 && x <= 0xdf ? 2 : x >= 0xe0 && x <= 0xef ? 3 : x >= 0xf0 && x <= 0xf4 ? 4 : 0;
  if (len === 0 || i + len > b.length) return 0;
  try {
    decoder.decode(b.subarray(i, i + len));
    return len;
  } catch {
    return 0;
  }
}
