// Why this prediction: the logit lens, attention rows and direct logit attribution for one position.
// The main thread needs the result types, the message shapes and the pure helpers; the worker side
// (ExplainService: explainer.ts and what it runs) is for the worker's entry (src/engine/worker) only.
export type {
  AttributionGroup, AttributionKind, AttributionTerm, ExplainAt, ExplainOptions, Explanation, HeadAttention, LensLayer, TokenRef, WorkerExplain, WorkerExplainReply,
} from './types';
export { ExplainService } from './worker-service';
export { featureEffect, groupTerms, lensMilestones } from './summary';
export type { LensMilestone } from './summary';
