// Why this prediction: the logit lens, attention rows and direct logit attribution for one position.
// The main thread needs the result types and the pure helpers; the worker side (explainer.ts,
// worker-service.ts) is imported by the inference worker only.
export type {
  AttributionGroup, AttributionKind, AttributionTerm, ExplainAt, ExplainOptions, Explanation, HeadAttention, LensLayer, TokenRef,
} from './types';
export { featureEffect, groupTerms, lensMilestones } from './summary';
export type { LensMilestone } from './summary';
