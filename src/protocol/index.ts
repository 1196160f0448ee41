// The host/panel contract, and its only door: the extension host (src/inspector/) and the panel
// (webview/) import everything about their messages from here. No `vscode` import, no DOM.
//   messages.ts  the message types and the constants that go with them
//   validate.ts  run-time validation of every message received (check.ts is its small kit)
//   tokens.ts    token helpers over message data
// Request bookkeeping (PendingRequests) lives in src/shared/ because the engine uses it too.

export * from './messages';
export { LIMITS, parseFromWebview, parseToWebview, type ParsedMessage } from './validate';
export { EDIT_LIMITS } from './editShapes';
export { COMPARISON_BIN_CODES, comparisonBinAt } from './compareMessages';
export { toCompactToken, tokenWindow } from './tokens';
export { PendingRequests, type PendingRequestsOptions } from '../shared/pendingRequests';
export type { HeatmapMode } from '../shared/heatmapScale';
