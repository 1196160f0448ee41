// Feature edits (ablate, scale, clamp, splice) and continuations. The main thread needs the types, the
// edit syntax and its checks; the worker side (EditService: worker-service.ts and what it runs) is for
// the worker's entry (src/engine/worker) only.
export type {
  ContinuationToken, Continuation, ContinueOptions, ContinuePayload, EditedAnalysis, EditedToken, EditPayload, EditRunOptions, FeatureEdit, PositionArrays, TextRange, WorkerContinue, WorkerEdit, WorkerEditReply,
} from './types';
export { EDIT_SYNTAX, editProblem, formatEdit, parseEdit } from './spec';
export type { EditableDictionary } from './spec';
export { tokensChangedMost } from '../../shared/tokensChanged';
export type { TokenChange } from '../../shared/tokensChanged';
export { EditService } from './worker-service';
