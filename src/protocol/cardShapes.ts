// Run-time shape of a feature card in a card message (cardMessages.ts has the type). Cards come from
// bundle files, so every field is checked (types, finite numbers, bounded strings and arrays) and a
// card that fails is rejected like any malformed message. Fields a card may carry beyond these are
// let through unread (older and newer bundles add their own).
import { arr, bool, type Check, int, num, obj, optional, refine, str } from './check';
import type { CardContext, FeatureCard } from './cardMessages';

export const CARD_LIMITS = {
  contexts: 64,
  contextTokens: 256,
  histogramBins: 200,
  quantiles: 16,
  contextsPerQuantile: 32,
  /** label_kind, logit_path. */
  word: 200,
  /** The label, label_method, logit_note. */
  sentence: 2_000,
  logits: 50,
} as const;

const unit = num(0, 1);
const contextIndexRule = (c: CardContext) => (c.index >= c.tokens.length ? 'card context index is outside its tokens' : null);

export function cardShape(text: Check): Check {
  const context = refine(obj({ tokens: arr(text, CARD_LIMITS.contextTokens), index: int(), activation: num() }), contextIndexRule);
  const vocabLogit = obj({ id: int(), text, logit: num() });
  const interval = (v: { from: number; to: number }) => (v.to < v.from ? `card interval ends (${v.to}) before it starts (${v.from})` : null);
  const quantile = refine(obj({ from: num(), to: num(), share: unit, contexts: arr(context, CARD_LIMITS.contextsPerQuantile) }), interval);
  return refine(
    obj(
      {
        index: int(),
        label: str(CARD_LIMITS.sentence),
        label_method: optional(str(CARD_LIMITS.sentence)),
        label_score: optional(unit),
        label_precision: optional(unit),
        label_recall: optional(unit),
        label_kind: optional(str(CARD_LIMITS.word)),
        label_confidence: optional(unit),
        density: optional(unit),
        positional: optional(bool),
        position_peak: optional(refine(obj({ from: int(), to: int(), share: unit }), interval)),
        typical_activation: optional(num()),
        max_activation: optional(num()),
        mean_activation: optional(num()),
        histogram: optional(obj({ edges: arr(num(), CARD_LIMITS.histogramBins + 1), counts: arr(num(0), CARD_LIMITS.histogramBins) })),
        top_contexts: optional(arr(context, CARD_LIMITS.contexts)),
        quantiles: optional(arr(quantile, CARD_LIMITS.quantiles)),
        promoted: arr(vocabLogit, CARD_LIMITS.logits),
        suppressed: arr(vocabLogit, CARD_LIMITS.logits),
        logit_path: optional(str(CARD_LIMITS.word)),
        logit_note: optional(str(CARD_LIMITS.sentence)),
        computed: optional(bool),
      },
      { allowExtra: true },
    ),
    (c: FeatureCard) =>
      c.histogram && c.histogram.counts.length > 0 && c.histogram.edges.length !== c.histogram.counts.length + 1
        ? 'card histogram needs one more edge than counts'
        : null,
  );
}
