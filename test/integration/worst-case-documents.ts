// Documents of exactly `bytes` UTF-8 bytes that differ in tokens per byte on the default tokenizer:
// Python source (about 0.5 a byte), one line of minified JavaScript (0.65), CJK prose (0.99) and emoji
// (1.0: every byte of a 4-byte character is a token of its own, the most a byte-level BPE can give).
// Deterministic, so a failure reproduces.

/** Repeats unit(i) until `bytes` UTF-8 bytes, then cuts to exactly `bytes` at a character boundary
 *  (padding the end with spaces), so the file is valid UTF-8 of exactly that size. */
function fill(bytes: number, unit: (i: number) => string): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const u = unit(i);
    parts.push(u);
    size += Buffer.byteLength(u, 'utf8');
  }
  let buf = Buffer.from(parts.join(''), 'utf8').subarray(0, bytes);
  while (buf.length > 0 && (buf[buf.length - 1] & 0xc0) === 0x80) buf = buf.subarray(0, buf.length - 1);
  if (buf.length > 0 && buf[buf.length - 1] >= 0xc0) buf = buf.subarray(0, buf.length - 1);
  return buf.toString('utf8') + ' '.repeat(bytes - buf.length);
}

const CJK = '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你而后';

export const WORST_CASE_DOCUMENTS: Record<string, { ext: string; make: (bytes: number) => string }> = {
  python: {
    ext: '.py',
    make: (bytes) => fill(bytes, (i) => `def f_${i}(a, b=${i % 7}):\n    """Return a value."""\n    if a > b:\n        return [x * ${i} for x in range(a)]\n    return {'k': a, "v": b + ${i}}\n\n`),
  },
  'minified JavaScript': {
    ext: '.js',
    make: (bytes) => fill(bytes, (i) => `function a${i.toString(36)}(t,e){var n=t[${i % 97}]||{};return n.x${i % 13}=e+${i},n}`),
  },
  CJK: { ext: '.txt', make: (bytes) => fill(bytes, (i) => CJK[(i * 7) % CJK.length] + (i % 40 === 39 ? '。\n' : '')) },
  emoji: { ext: '.txt', make: (bytes) => fill(bytes, (i) => String.fromCodePoint(0x1f300 + ((i * 2654435761) >>> 0) % 700)) },
};

/** The document with the most tokens for its size (one token a byte). */
export const MOST_TOKENS = 'emoji';
