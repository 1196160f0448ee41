// Feature cards (docs/bundle-format.md): labels.json is loaded eagerly (lists show labels), the offsets
// table too (4 bytes a feature); one card is one positioned read of cards.bin and one inflate: each card is
// its own raw-deflate blob, so the cards of a default bundle fit the size budget and stay random-access.
// An optional cards.dict is a preset deflate dictionary shared by every blob (small blobs compress poorly
// on their own: the dictionary holds the JSON keys and common token strings once).
// Bundles written before cards.bin existed hold cards.jsonl (one plain JSON line per card, same offsets
// table); they are read too.
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { parseJsonText } from '../json-text';
import type { Result } from '../types';
import { fail, fileError, ok, readAt, readFileResult, readJsonFile } from './files';
import { BUNDLE_LIMITS } from './limits';
import type { BundleCard, CardStore } from './types';

/** The per-feature arrays of labels.json beside `labels` (docs/bundle-format.md); each optional, since
 *  bundles made before them lack them. */
export interface FeatureFactsArrays {
  /** Fraction of owned positions of held-out text where the feature fires. */
  density?: number[];
  /** Label score, 0-1 (F1 of the label's rule against the feature firing, on held-out text). */
  score?: number[];
  /** Firings concentrate in one band of window positions. */
  positional?: boolean[];
  /** Median activation where the feature fires (0 for a dead feature). */
  typicalActivation?: number[];
  /** A label with score >= this is readable. */
  readableThreshold?: number;
}

interface HookCards extends FeatureFactsArrays {
  labels: string[];
  offsets: Uint32Array;
  cardsAbs: string;
  cardsFile: string;
  compressed: boolean;
  /** Preset dictionary for inflateRaw (cards.dict), when the bundle has one. */
  dictionary?: Buffer;
}

export type CardsFormat = 'bin' | 'jsonl';
export const CARDS_FILES: Record<CardsFormat, string> = { bin: 'cards.bin', jsonl: 'cards.jsonl' };
export const CARDS_DICTIONARY = 'cards.dict';

const inflateRaw = promisify(zlib.inflateRaw);

/** Loads and checks one hook's cards folder against the dictionary's d_sae. */
export async function loadHookCards(absDir: string, shownDir: string, dSae: number, format: CardsFormat = 'bin', hasDictionary = false): Promise<Result<HookCards>> {
  const labelsFile = `${shownDir}/labels.json`;
  const offsetsFile = `${shownDir}/cards.offsets`;
  const cardsFile = `${shownDir}/${CARDS_FILES[format]}`;
  const labelsJson = await readJsonFile(path.join(absDir, 'labels.json'), labelsFile, 'bad-dictionary', BUNDLE_LIMITS.labelsBytes);
  if (!labelsJson.ok) return labelsJson;
  const lj = labelsJson.value as { labels?: unknown } | null;
  if (typeof lj !== 'object' || lj === null || Array.isArray(lj) || !Array.isArray(lj.labels) || !lj.labels.every((x) => typeof x === 'string')) {
    return fail('bad-dictionary', labelsFile, `${labelsFile} has no "labels" array of strings`);
  }
  if (lj.labels.length !== dSae) return fail('bad-dictionary', labelsFile, `${labelsFile} has ${lj.labels.length} labels but the dictionary has ${dSae} features`);
  const facts = readFeatureFacts(lj as Record<string, unknown>, dSae, labelsFile);
  if (!facts.ok) return facts;
  const offBytes = await readFileResult(path.join(absDir, 'cards.offsets'), offsetsFile, 4 * (dSae + 1));
  if (!offBytes.ok) return offBytes;
  if (offBytes.value.length !== 4 * (dSae + 1)) {
    return fail('bad-dictionary', offsetsFile, `${offsetsFile} is ${offBytes.value.length} bytes; ${dSae} features need ${4 * (dSae + 1)} (uint32 × (d_sae + 1))`);
  }
  const offsets = new Uint32Array(dSae + 1);
  for (let i = 0; i <= dSae; i++) offsets[i] = offBytes.value.readUInt32LE(4 * i);
  const cardsAbs = path.join(absDir, CARDS_FILES[format]);
  let size: number;
  try {
    size = (await fs.stat(cardsAbs)).size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(code === 'ENOENT' ? 'missing-file' : 'unreadable-file', cardsFile, code === 'ENOENT' ? `${cardsFile} is missing` : `${cardsFile} could not be read: ${(e as Error).message}`);
  }
  for (let i = 0; i < dSae; i++) {
    if (offsets[i + 1] < offsets[i]) return fail('bad-dictionary', offsetsFile, `${offsetsFile}: offsets decrease at feature ${i}`);
    if (offsets[i + 1] - offsets[i] > BUNDLE_LIMITS.cardBytes) {
      return fail('bad-dictionary', offsetsFile, `${offsetsFile}: card ${i} is stored in ${offsets[i + 1] - offsets[i]} bytes; a card may take at most ${BUNDLE_LIMITS.cardBytes} (${cardsFile})`);
    }
  }
  if (offsets[dSae] !== size) return fail('bad-dictionary', offsetsFile, `${offsetsFile} ends at byte ${offsets[dSae]} but ${cardsFile} is ${size} bytes`);
  let dictionary: Buffer | undefined;
  if (hasDictionary) {
    const d = await readFileResult(path.join(absDir, CARDS_DICTIONARY), `${shownDir}/${CARDS_DICTIONARY}`, BUNDLE_LIMITS.cardsDictionaryBytes);
    if (!d.ok) return d;
    dictionary = d.value;
  }
  return ok({ labels: lj.labels as string[], ...facts.value, offsets, cardsAbs, cardsFile, compressed: format === 'bin', dictionary });
}

/** One optional per-feature array of labels.json: absent, or exactly d_sae values that pass `valid`. */
function featureArray<T>(lj: Record<string, unknown>, key: string, dSae: number, file: string, valid: (x: unknown) => x is T, what: string): Result<T[] | undefined> {
  const v = lj[key];
  if (v === undefined) return ok(undefined);
  if (!Array.isArray(v) || v.length !== dSae || !v.every(valid)) return fail('bad-dictionary', file, `${file}: "${key}" must be ${dSae} ${what}`);
  return ok(v);
}

const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isFraction = (x: unknown): x is number => isNumber(x) && x >= 0 && x <= 1;
const isNonNegative = (x: unknown): x is number => isNumber(x) && x >= 0;
const isBoolean = (x: unknown): x is boolean => typeof x === 'boolean';

/** labels.json's per-feature arrays beside `labels` (all optional; a wrong length or type fails naming the file). */
function readFeatureFacts(lj: Record<string, unknown>, dSae: number, file: string): Result<FeatureFactsArrays> {
  const density = featureArray(lj, 'density', dSae, file, isNumber, 'numbers');
  if (!density.ok) return density;
  const score = featureArray(lj, 'score', dSae, file, isFraction, 'numbers in 0..1');
  if (!score.ok) return score;
  const positional = featureArray(lj, 'positional', dSae, file, isBoolean, 'booleans');
  if (!positional.ok) return positional;
  const typical = featureArray(lj, 'typical_activation', dSae, file, isNonNegative, 'non-negative numbers');
  if (!typical.ok) return typical;
  const threshold = lj.readable_threshold;
  if (threshold !== undefined && !isFraction(threshold)) return fail('bad-dictionary', file, `${file}: "readable_threshold" must be a number in 0..1`);
  const facts: FeatureFactsArrays = {};
  if (density.value) facts.density = density.value;
  if (score.value) facts.score = score.value;
  if (positional.value) facts.positional = positional.value;
  if (typical.value) facts.typicalActivation = typical.value;
  if (threshold !== undefined) facts.readableThreshold = threshold;
  return ok(facts);
}

/** The bundle's cards/tokens.bin (manifest `card_tokens`): stored card contexts are `{at: [start, end]}`
 *  offsets into it, which getCard turns into token texts. Read whole on the first card that needs it. */
export interface CardTokenSource {
  abs: string;
  file: string;
}

/** The bundle's vocabulary, for token ids a stored card gives without their text. */
export interface CardVocabulary {
  /** Display text of a token id (the bundle's tokenizer). */
  text: (id: number) => string;
  size: number;
}

type StoredContext = { at?: unknown; tokens?: unknown; index?: unknown; activation?: unknown };

export class BundleCardStore implements CardStore {
  private readonly byHook = new Map<string, HookCards>();
  private tokenIds: Promise<Result<Uint16Array>> | undefined;

  constructor(
    private readonly vocabulary?: CardVocabulary,
    private readonly cardTokens?: CardTokenSource,
  ) {}

  add(hook: string, cards: HookCards): void {
    this.byHook.set(hook, cards);
  }

  get hooks(): string[] {
    return [...this.byHook.keys()];
  }

  hasCards(hook: string): boolean {
    return this.byHook.has(hook);
  }

  label(hook: string, index: number): string | undefined {
    return this.byHook.get(hook)?.labels[index];
  }

  labels(hook: string): string[] | undefined {
    return this.byHook.get(hook)?.labels;
  }

  async getCard(hook: string, index: number): Promise<Result<BundleCard>> {
    const c = this.byHook.get(hook);
    if (!c) return fail('bad-input', undefined, `no feature cards for hook ${hook}`);
    if (!Number.isInteger(index) || index < 0 || index >= c.labels.length) {
      return fail('bad-input', c.cardsFile, `feature ${index} is out of range for ${hook} (0..${c.labels.length - 1})`);
    }
    const start = c.offsets[index];
    const len = c.offsets[index + 1] - start;
    const where = `${c.cardsFile}: card ${index} (bytes ${start}..${start + len})`;
    const limit = BUNDLE_LIMITS.cardBytes;
    if (len > limit) return fail('bad-dictionary', c.cardsFile, `${where} is ${len} bytes; a card may take at most ${limit} bytes`);
    let blob: Buffer;
    try {
      blob = await readAt(c.cardsAbs, start, len);
    } catch (e) {
      return { ok: false, error: fileError(e, c.cardsFile) };
    }
    const text = c.compressed ? await inflateCard(blob, c.dictionary, where) : ok(blob);
    if (!text.ok) return fail('bad-dictionary', c.cardsFile, text.error.message);
    const json = parseJsonText(text.value.toString('utf8'));
    if (!json.ok) return fail('bad-dictionary', c.cardsFile, `${where} is ${json.message}`);
    const card = json.value as Partial<BundleCard> | null;
    if (typeof card !== 'object' || card === null || card.index !== index) {
      const held = typeof card?.index === 'number' ? `card ${card.index}` : 'no card index';
      return fail('bad-dictionary', c.cardsFile, `${c.cardsFile}: the bytes for feature ${index} hold ${held}; cards.offsets and ${c.cardsFile} disagree`);
    }
    return this.resolveContexts(card as BundleCard, where);
  }

  /** Stored contexts that point into cards/tokens.bin become `{tokens, index, activation}`; promoted and
   *  suppressed tokens stored by id alone get their text. */
  private async resolveContexts(card: BundleCard, where: string): Promise<Result<BundleCard>> {
    for (const key of ['promoted', 'suppressed'] as const) {
      const list = card[key];
      if (!Array.isArray(list)) continue;
      for (const t of list as { id?: unknown; text?: unknown }[]) {
        if (!t || typeof t !== 'object' || t.text !== undefined) continue;
        if (!this.vocabulary || !Number.isInteger(t.id) || (t.id as number) < 0 || (t.id as number) >= this.vocabulary.size) {
          return fail('bad-dictionary', undefined, `${where}: a ${key} token has no text and no token id in the vocabulary`);
        }
        t.text = this.vocabulary.text(t.id as number);
      }
    }
    const lists: StoredContext[][] = [];
    if (Array.isArray(card.top_contexts)) lists.push(card.top_contexts as StoredContext[]);
    if (Array.isArray(card.quantiles)) {
      for (const q of card.quantiles as { contexts?: unknown }[]) if (q && Array.isArray(q.contexts)) lists.push(q.contexts as StoredContext[]);
    }
    if (!lists.some((l) => l.some((c) => c && typeof c === 'object' && 'at' in c))) return ok(card);
    if (!this.cardTokens || !this.vocabulary) return fail('bad-dictionary', undefined, `${where}: its contexts point into a card token file, but manifest.json names none ("card_tokens")`);
    const src = this.cardTokens;
    const vocabulary = this.vocabulary;
    this.tokenIds ??= readCardTokens(src);
    const ids = await this.tokenIds;
    if (!ids.ok) return ids;
    const texts = new Map<number, string>();
    const text = (id: number): string => {
      let t = texts.get(id);
      if (t === undefined) texts.set(id, (t = vocabulary.text(id)));
      return t;
    };
    for (const list of lists) {
      for (let i = 0; i < list.length; i++) {
        const c = list[i];
        if (!c || typeof c !== 'object' || !('at' in c)) continue;
        const at = c.at;
        const bad = (why: string) => fail<BundleCard>('bad-dictionary', src.file, `${where}: a context ${why}`);
        if (!Array.isArray(at) || at.length !== 2 || !at.every((x) => Number.isInteger(x))) return bad('has no [start, end] token offsets');
        const [start, end] = at as [number, number];
        if (start < 0 || end <= start || end > ids.value.length) return bad(`spans tokens ${start}..${end}, outside ${src.file} (${ids.value.length} tokens)`);
        if (end - start > BUNDLE_LIMITS.cardContextTokens) return bad(`spans ${end - start} tokens; at most ${BUNDLE_LIMITS.cardContextTokens}`);
        const tokens: string[] = [];
        for (let p = start; p < end; p++) {
          const id = ids.value[p];
          if (id >= vocabulary.size) return bad(`holds token id ${id}, outside the vocabulary`);
          tokens.push(text(id));
        }
        list[i] = { tokens, index: c.index, activation: c.activation };
      }
    }
    return ok(card);
  }
}

async function readCardTokens(src: CardTokenSource): Promise<Result<Uint16Array>> {
  const bytes = await readFileResult(src.abs, src.file, BUNDLE_LIMITS.cardTokensBytes);
  if (!bytes.ok) return bytes;
  if (bytes.value.length % 2 !== 0) return fail('bad-dictionary', src.file, `${src.file} is ${bytes.value.length} bytes; uint16 token ids need an even count`);
  const ids = new Uint16Array(bytes.value.length / 2);
  for (let i = 0; i < ids.length; i++) ids[i] = bytes.value.readUInt16LE(2 * i);
  return ok(ids);
}

/**
 * Inflates one card off the event loop (zlib's thread pool), stopping at the card size limit: a small
 * blob can inflate to gigabytes, which a synchronous inflate would spend seconds of the editor's thread on.
 */
async function inflateCard(blob: Buffer, dictionary: Buffer | undefined, where: string): Promise<Result<Buffer>> {
  const limit = BUNDLE_LIMITS.cardBytes;
  try {
    return ok(await inflateRaw(blob, { maxOutputLength: limit, ...(dictionary ? { dictionary } : {}) }));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') return fail('bad-dictionary', undefined, `${where} inflates to more than ${limit} bytes, the limit for one card`);
    return fail('bad-dictionary', undefined, code?.startsWith('Z_') ? `${where} is not a valid deflate block` : `${where} could not be inflated: ${(e as Error).message}`);
  }
}
