// AnalysisResult + provenance + document -> Snapshot (version 1).
import { createHash } from 'node:crypto';
import pkg from '../../../package.json';
import { storedExplainedVariance, storedLogprob } from '../../shared/finiteNumbers';
import type { EditedAnalysis } from '../edit';
import type { AnalysisResult, FeatureHit, FeatureOrder, Result, TokenResult, TopKEntry } from '../types';
import { yieldEvery } from './slices';
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type Snapshot, type SnapshotProvenance, type SnapshotToken } from './types';

export const TOOL_NAME = 'activation-inspector';
export const TOOL_VERSION: string = (pkg as { version?: string }).version ?? '0.0.0';

export interface BuildSnapshotInput {
  result: AnalysisResult;
  /** model, tokenizer and dictionary hashes; tool and createdAt default to this build and now. */
  provenance: Omit<SnapshotProvenance, 'createdAt' | 'tool'> & { tool?: SnapshotProvenance['tool']; createdAt?: string };
  /** byteOrderMark: the file began with a UTF-8 BOM that is not part of text (recorded, not hashed). */
  document: { path: string | null; languageId: string | null; text: string; byteOrderMark?: boolean };
  /** featureOrder: the order the analysis listed each token's features in (recorded when given). */
  options: { topK: number; featuresPerToken: number; featureOrder?: FeatureOrder; hooks: string[] };
  /** The same text analysed with feature edits: the snapshot then holds the edited predictions, each
   *  token's logprobOriginal, and the edits in its provenance (features stay the unedited analysis's). */
  edited?: EditedAnalysis;
}

export function sha256Text(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

// JSON has no NaN or ±Infinity (JSON.stringify writes null, which would read back as "no prediction").
// Values are clamped into their ranges instead: float noise can give log p = +1e-8 or entropy = -1e-9;
// a zero probability's log p (-Infinity) is LOGPROB_FLOOR, the bound the reader and the panel share.
function nonNegative(x: number): number {
  return Number.isFinite(x) ? Math.max(0, x) : Number.isNaN(x) ? 0 : Number.MAX_VALUE;
}
function finite(x: number): number {
  return Number.isFinite(x) ? x : Number.isNaN(x) ? 0 : Math.sign(x) * Number.MAX_VALUE;
}
function prob(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : x > 0 ? 1 : 0;
}

/** The plain token with the edited analysis's predictions in place of its own. */
function editedToken(t: TokenResult, e: EditedAnalysis['tokens'][number]): TokenResult & { logprobOriginal: number | null } {
  return { ...t, logprob: e.logprob, rank: e.rank, entropy: e.entropy, nextEntropy: e.nextEntropy, topk: e.topk, logprobOriginal: e.logprobOriginal };
}

/**
 * `items` itself when each is already as stored (exactly `keys` fields, `stored` leaves it unchanged),
 * else stored copies: an export of a large document then shares the analysis's predictions and
 * features instead of doubling them (they are most of a token's memory). Neither side changes them.
 */
function storedItems<T extends object>(items: T[], keys: number, stored: (x: T) => T, unchanged: (x: T) => boolean): T[] {
  return items.every((x) => unchanged(x) && Object.keys(x).length === keys) ? items : items.map(stored);
}

/** Features are stored as the analysis listed them (its featureOrder), each with its raw activation only
 *  (how unusual it is, a reader with the bundle computes), so hits are shared rather than copied and a
 *  snapshot stays within its size limit. */
function toSnapshotToken(t: TokenResult & { logprobOriginal?: number | null }): SnapshotToken {
  const features: Record<string, FeatureHit[]> = {};
  for (const [hook, hits] of Object.entries(t.features)) {
    features[hook] = storedItems(hits, 2, (h) => ({ index: h.index, activation: finite(h.activation) }), (h) => finite(h.activation) === h.activation);
  }
  const reconstruction: Record<string, number> = {};
  for (const [hook, ev] of Object.entries(t.reconstruction)) reconstruction[hook] = storedExplainedVariance(ev);
  return {
    id: t.id,
    text: t.text,
    start: t.start,
    end: t.end,
    logprob: storedLogprob(t.logprob),
    rank: t.rank,
    entropy: t.entropy === null ? null : nonNegative(t.entropy),
    nextEntropy: nonNegative(t.nextEntropy),
    topk: storedItems(t.topk, 3, (e: TopKEntry) => ({ id: e.id, text: e.text, prob: prob(e.prob) }), (e) => prob(e.prob) === e.prob),
    features,
    reconstruction,
    ...(t.logprobOriginal !== undefined ? { logprobOriginal: storedLogprob(t.logprobOriginal) } : {}),
  };
}

/** Why `input` cannot make a snapshot (an analysis of other text, or of another model), or null. */
function mismatch(input: BuildSnapshotInput): Result<Snapshot> | null {
  const { result, document, provenance } = input;
  const sha = sha256Text(document.text);
  if (result.textSha256 !== sha || result.textLength !== document.text.length) {
    return {
      ok: false,
      error: {
        kind: 'bad-input',
        message: `the analysis is of other text (sha256 ${result.textSha256.slice(0, 12)}…, ${result.textLength} characters) than the document given (sha256 ${sha.slice(0, 12)}…, ${document.text.length} characters); re-run the analysis before exporting`,
      },
    };
  }
  const { edited } = input;
  if (edited && (edited.textSha256 !== sha || edited.tokens.length !== result.tokens.length || edited.tokens.some((t, i) => t.id !== result.tokens[i].id))) {
    return { ok: false, error: { kind: 'bad-input', message: 'the edited analysis is of other text or tokens than the analysis; re-run both before exporting' } };
  }
  if (result.modelId !== provenance.model.id) {
    return { ok: false, error: { kind: 'bad-input', message: `the analysis was made with model ${result.modelId}, the provenance names ${provenance.model.id}` } };
  }
  return null;
}

function storedToken(input: BuildSnapshotInput, i: number): SnapshotToken {
  const t = input.result.tokens[i];
  return toSnapshotToken(input.edited ? editedToken(t, input.edited.tokens[i]) : t);
}

export function buildSnapshot(input: BuildSnapshotInput): Result<Snapshot> {
  return mismatch(input) ?? assemble(input, input.result.tokens.map((_, i) => storedToken(input, i)));
}

/**
 * buildSnapshot, yielding to the event loop every `sliceMs` while it stores the tokens, so that exporting
 * a long document from the editor does not hold the extension host (100,000 tokens take a few hundred ms).
 */
export async function buildSnapshotInSlices(input: BuildSnapshotInput, sliceMs = 8): Promise<Result<Snapshot>> {
  const bad = mismatch(input);
  if (bad) return bad;
  const tokens: SnapshotToken[] = [];
  const maybeYield = yieldEvery(sliceMs);
  for (let i = 0; i < input.result.tokens.length; i++) {
    tokens.push(storedToken(input, i));
    await maybeYield();
  }
  return assemble(input, tokens);
}

function assemble(input: BuildSnapshotInput, tokens: SnapshotToken[]): Result<Snapshot> {
  const { result, document, provenance, options, edited } = input;
  return {
    ok: true,
    value: {
      format: SNAPSHOT_FORMAT,
      version: SNAPSHOT_VERSION,
      provenance: {
        model: { ...provenance.model },
        tokenizer: { ...provenance.tokenizer },
        dictionaries: provenance.dictionaries.map((d) => ({ ...d })),
        tool: provenance.tool ?? { name: TOOL_NAME, version: TOOL_VERSION },
        createdAt: provenance.createdAt ?? new Date().toISOString(),
        ...(edited ? { edits: structuredClone(edited.edits) } : {}),
      },
      document: {
        path: document.path,
        languageId: document.languageId,
        sha256: sha256Text(document.text),
        length: document.text.length,
        text: document.text,
        ...(document.byteOrderMark ? { byteOrderMark: true } : {}),
      },
      options: {
        topK: options.topK, featuresPerToken: options.featuresPerToken,
        ...(options.featureOrder ? { featureOrder: options.featureOrder } : {}),
        hooks: [...options.hooks],
      },
      hooks: [...result.hooks],
      tokens,
    },
  };
}
