// The feature card as the panel receives it: the engine's FeatureCard (passed through as it is, see
// messages.ts) plus the fields of bundles whose cards score their labels (docs/bundle-format.md, issue
// 14). Every one of them is optional: cards of older bundles and computed cards have none, and the
// panel draws what is there. No `vscode` import.
import type { FeatureCard as EngineFeatureCard } from '../engine';

/** One stored context: tokens around a firing, `index` the firing token's position in `tokens`. */
export interface CardContext {
  tokens: string[];
  index: number;
  activation: number;
}

/** Examples of one activation interval (SAEDashboard style): firings with activation in [from, to]. */
export interface CardQuantile {
  from: number;
  to: number;
  /** Fraction of all firings that fall in this interval. */
  share: number;
  contexts: CardContext[];
}

/** The fields of scored-label cards (all optional). */
export interface CardDetails {
  /** 0–1 F1 of the label against the feature on held-out text not used to choose it. */
  label_score?: number;
  label_precision?: number;
  label_recall?: number;
  /** Which explanation family won (`token`, `previous token+syntax`, …). */
  label_kind?: string;
  /** Older readers' name for label_score. */
  label_confidence?: number;
  /** Firings concentrate in a band of window positions. */
  positional?: boolean;
  /** The window-position band holding most firings, and their share. */
  position_peak?: { from: number; to: number; share: number };
  /** Median activation where the feature fires. */
  typical_activation?: number;
  quantiles?: CardQuantile[];
  /** What promoted / suppressed measure: 'direct' or 'through later layers'. */
  logit_path?: string;
  /** One sentence on that, for people. */
  logit_note?: string;
}

/** A feature card as the panel gets it. */
export type FeatureCard = EngineFeatureCard & CardDetails;
