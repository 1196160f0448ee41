// A GPT-2-style byte-level BPE tokenizer (any Hugging Face tokenizer.json of that kind) that returns,
// for every token, the exact UTF-16 range of the original text it covers. `@huggingface/tokenizers`
// 0.2 returns ids and token strings but no offsets; each byte-level token string maps back to the
// UTF-8 bytes it covers, and ranges.ts walks those bytes against the text (see the rule there).
import fs from 'node:fs/promises';
import { Tokenizer } from '@huggingface/tokenizers';
import type { Result, TokenSpan } from '../types';
import { byteLevelToBytes, bytesToDisplayText } from './byte-level';
import { alignTokens } from './ranges';

export const END_OF_TEXT = '<|endoftext|>';

export interface EncodeOptions {
  /**
   * How a special token's literal text in the document (e.g. `<|endoftext|>` inside a source file that
   * mentions it) is tokenised. 'as-text' (default): as ordinary text, so a document can never inject a
   * document boundary into the model's context. 'as-special': as the special id, like the Hugging Face
   * tokenizer's default.
   */
  specialTokens?: 'as-text' | 'as-special';
}

interface AddedTokenJson {
  id: number;
  content: string;
  special?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
}

type Json = Record<string, unknown>;

function isObject(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** True when the tokenizer.json's pre-tokenizer is (or contains) ByteLevel. */
function hasByteLevelPreTokenizer(pre: unknown): boolean {
  if (!isObject(pre)) return false;
  if (pre.type === 'ByteLevel') return true;
  if (pre.type === 'Sequence' && Array.isArray(pre.pretokenizers)) return pre.pretokenizers.some(hasByteLevelPreTokenizer);
  return false;
}

/** Turn off add_prefix_space: we tokenise the document exactly as written, so bytes line up with it. */
function withoutPrefixSpace(pre: unknown): unknown {
  if (!isObject(pre)) return pre;
  if (pre.type === 'ByteLevel') return { ...pre, add_prefix_space: false };
  if (pre.type === 'Sequence' && Array.isArray(pre.pretokenizers)) return { ...pre, pretokenizers: pre.pretokenizers.map(withoutPrefixSpace) };
  return pre;
}

export class TextTokenizer {
  /** Number of ids (largest id + 1), added tokens included; compare with the model's d_vocab. */
  readonly vocabSize: number;
  /** Id of `<|endoftext|>` when the vocabulary has it. */
  readonly eotId: number | undefined;
  /** Bytes each id stands for (added tokens: the UTF-8 of their content). */
  private readonly idBytes: (Uint8Array | undefined)[];
  private readonly byteLength: Int32Array;
  private readonly specialIds: Set<number>;
  private readonly plain: Tokenizer;
  private withSpecial: Tokenizer | undefined;
  private readonly json: Json;
  /** Whether encodeIncremental may restart mid-text (GPT-2's own pre-tokenizer regex; see there). */
  private readonly restartable: { 'as-text': boolean; 'as-special': boolean };

  private constructor(json: Json, vocab: Record<string, number>, added: AddedTokenJson[]) {
    this.json = json;
    let maxId = -1;
    for (const id of Object.values(vocab)) if (id > maxId) maxId = id;
    for (const t of added) if (t.id > maxId) maxId = t.id;
    this.vocabSize = maxId + 1;
    this.idBytes = new Array(this.vocabSize);
    this.byteLength = new Int32Array(this.vocabSize);
    for (const [tok, id] of Object.entries(vocab)) {
      const bytes = byteLevelToBytes(tok) ?? new TextEncoder().encode(tok);
      this.idBytes[id] = bytes;
      this.byteLength[id] = bytes.length;
    }
    this.specialIds = new Set();
    for (const t of added) {
      const bytes = new TextEncoder().encode(t.content);
      this.idBytes[t.id] = bytes;
      this.byteLength[t.id] = bytes.length;
      if (t.special) this.specialIds.add(t.id);
    }
    this.eotId = vocab[END_OF_TEXT] ?? added.find((t) => t.content === END_OF_TEXT)?.id;
    // The document tokenizer has no special added tokens: their literal text is plain text.
    const plainAdded = added.filter((t) => !t.special);
    this.plain = new Tokenizer({ ...json, added_tokens: plainAdded }, {});
    const pre = json.pre_tokenizer as Json;
    const gpt2Regex = pre.type === 'ByteLevel' && pre.use_regex !== false;
    // Added tokens are split out before pre-tokenising; one holding whitespace or stripping it could
    // straddle a restart point.
    const safe = (list: AddedTokenJson[]) => list.every((t) => !/\s/.test(t.content) && !t.lstrip && !t.rstrip);
    this.restartable = { 'as-text': gpt2Regex && safe(plainAdded), 'as-special': gpt2Regex && safe(added) };
  }

  /** Builds from a parsed tokenizer.json. Only byte-level BPE (GPT-2 style) tokenizers are accepted. */
  static fromJson(json: unknown, file = 'tokenizer.json'): Result<TextTokenizer> {
    const bad = (message: string): Result<TextTokenizer> => ({ ok: false, error: { kind: 'bad-tokenizer', file, message: `${file}: ${message}` } });
    if (!isObject(json)) return bad('is not a JSON object');
    const model = json.model;
    if (!isObject(model) || model.type !== 'BPE') return bad('model.type is not "BPE" (only byte-level BPE tokenizers are supported)');
    if (!isObject(model.vocab)) return bad('model.vocab is missing or not an object');
    if (!Array.isArray(model.merges)) return bad('model.merges is missing or not an array');
    if (!hasByteLevelPreTokenizer(json.pre_tokenizer)) return bad('pre_tokenizer is not ByteLevel (only GPT-2-style byte-level tokenizers are supported)');
    const vocab = model.vocab as Record<string, unknown>;
    for (const [tok, id] of Object.entries(vocab)) {
      if (!Number.isInteger(id) || (id as number) < 0) return bad(`model.vocab["${tok}"] is not a non-negative integer id`);
    }
    const addedRaw = json.added_tokens ?? [];
    if (!Array.isArray(addedRaw)) return bad('added_tokens is not an array');
    const added: AddedTokenJson[] = [];
    for (const t of addedRaw) {
      if (!isObject(t) || !Number.isInteger(t.id) || typeof t.content !== 'string') return bad('added_tokens has an entry without integer id and string content');
      added.push({ id: t.id as number, content: t.content, special: t.special === true, lstrip: t.lstrip === true, rstrip: t.rstrip === true });
    }
    const cleaned: Json = { ...json, pre_tokenizer: withoutPrefixSpace(json.pre_tokenizer) };
    try {
      return { ok: true, value: new TextTokenizer(cleaned, vocab as Record<string, number>, added) };
    } catch (e) {
      return bad(`could not be loaded: ${(e as Error).message}`);
    }
  }

  static async fromFile(filePath: string, displayName = filePath): Promise<Result<TextTokenizer>> {
    let text: string;
    try {
      text = await fs.readFile(filePath, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return {
        ok: false,
        error: {
          kind: code === 'ENOENT' ? 'missing-file' : 'unreadable-file',
          file: displayName,
          message: code === 'ENOENT' ? `${displayName} is missing` : `${displayName} could not be read: ${(e as Error).message}`,
        },
      };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      return { ok: false, error: { kind: 'bad-tokenizer', file: displayName, message: `${displayName} is not valid JSON: ${(e as Error).message}` } };
    }
    return TextTokenizer.fromJson(json, displayName);
  }

  /** Token ids only (same ids as encode()). */
  encodeIds(text: string, options: EncodeOptions = {}): number[] {
    if (text.length === 0) return [];
    return this.backend(options).encode(text, { add_special_tokens: false }).ids;
  }

  /**
   * Tokens with their exact UTF-16 ranges: in order, tiling the text with no gap or overlap. A token
   * that holds only the later bytes of a character split across tokens has an empty range at that
   * character's end (rule in ranges.ts).
   */
  encode(text: string, options: EncodeOptions = {}): TokenSpan[] {
    const ids = this.encodeIds(text, options);
    const lengths = new Int32Array(ids.length);
    for (let k = 0; k < ids.length; k++) lengths[k] = this.byteLength[ids[k]];
    return alignTokens(text, ids, lengths);
  }

  /**
   * encode(text), reusing the tokens of `previous` (an earlier encode() of an earlier version of the
   * document, same options) up to a safe restart point before the first changed character; the reused
   * TokenSpan objects are the very same objects. The result always equals encode(text) exactly.
   *
   * Why restarting is exact: GPT-2's pre-tokenizer regex
   *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
   * never puts a whitespace character after a non-whitespace one in the same piece (whitespace only
   * enters a piece as its leading space or as a whitespace-only piece). So between a non-whitespace
   * character and a following whitespace character there is always a piece boundary; the regex has no
   * lookbehind, BPE works piece by piece, and a byte-level token never crosses a piece; so the tokens
   * from such a point on depend only on the text from that point on, and the tokens before it only on
   * the text up to and including it. A restart point r (text[r-1] not whitespace, text[r] whitespace)
   * before the first change therefore splits both versions identically. Code has one at almost every
   * line end, so the search back from an edit is short.
   */
  encodeIncremental(text: string, previous: { text: string; tokens: readonly TokenSpan[] } | undefined, options: EncodeOptions = {}): TokenSpan[] {
    const mode = options.specialTokens ?? 'as-text';
    if (!previous || previous.tokens.length === 0 || !this.restartable[mode]) return this.encode(text, options);
    const old = previous.text;
    const limit = Math.min(old.length, text.length);
    let p = 0;
    while (p < limit && old.charCodeAt(p) === text.charCodeAt(p)) p++;
    if (p === old.length && p === text.length) return [...previous.tokens];
    // Largest restart point r < p (text[r] must be unchanged too: it ended the piece before r).
    let r = p - 1;
    while (r >= 1 && !(isWhitespace(text.charCodeAt(r)) && !isWhitespace(text.charCodeAt(r - 1)))) r--;
    if (r < 1) return this.encode(text, options);
    const k = tokenStartingAt(previous.tokens, r);
    if (k < 0) return this.encode(text, options); // previous was not an encode() of old: be safe
    const tail = this.encode(text.slice(r), options);
    const out: TokenSpan[] = previous.tokens.slice(0, k);
    for (const t of tail) out.push({ id: t.id, text: t.text, start: t.start + r, end: t.end + r });
    return out;
  }

  /** The UTF-8 bytes an id stands for (empty for an unknown id). */
  idToBytes(id: number): Uint8Array {
    return this.idBytes[id] ?? new Uint8Array(0);
  }

  /**
   * Display text of one id: its bytes decoded as UTF-8; bytes that are only part of a character are
   * written `\xNN` (so the pieces of a split emoji stay distinguishable). Special tokens show their
   * content (`<|endoftext|>`). Whitespace is raw; views escape it. Unknown ids give ''.
   */
  idToText(id: number): string {
    const bytes = this.idBytes[id];
    return bytes ? bytesToDisplayText(bytes) : '';
  }

  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }

  private backend(options: EncodeOptions): Tokenizer {
    if (options.specialTokens !== 'as-special') return this.plain;
    this.withSpecial ??= new Tokenizer(this.json, {});
    return this.withSpecial;
  }
}

/** JavaScript's \s (what the GPT-2 pattern uses in the tokenizer library). */
function isWhitespace(c: number): boolean {
  return (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Index of the non-empty token starting exactly at offset (binary search), or -1. */
function tokenStartingAt(tokens: readonly TokenSpan[], offset: number): number {
  let lo = 0;
  let hi = tokens.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (tokens[mid].start < offset) lo = mid + 1;
    else hi = mid - 1;
  }
  // lo = first token with start >= offset; empty ranges never start a character.
  return lo < tokens.length && tokens[lo].start === offset && tokens[lo].end > offset ? lo : -1;
}
