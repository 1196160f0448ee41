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
    this.plain = new Tokenizer({ ...json, added_tokens: added.filter((t) => !t.special) }, {});
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
      added.push({ id: t.id as number, content: t.content, special: t.special === true });
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
