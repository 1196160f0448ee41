// The worker thread as the main thread sees it: the messages it takes and sends. Its entry (worker.ts,
// built to dist/worker.js) composes the analysis (inference/), explanations (explain/) and edits (edit/)
// and is loaded by path (analysis/worker-host.ts), never imported.
export type { FromWorker, ToWorker } from './protocol';
