// One valid example of every protocol message, for the protocol tests (and mutation fuzzing).
import type { FromWebviewMessage, ToWebviewMessage } from '../../src/protocol';

const sha = 'a'.repeat(64);

export const validToWebview: ToWebviewMessage[] = [
  {
    type: 'init',
    protocol: 1,
    model: { id: 'code-gpt2-2l', name: 'Code GPT-2 (2 layers)', hooks: ['blocks.0.hook_resid_post'], hooksWithCards: ['blocks.0.hook_resid_post'], topkMax: 50 },
    settings: { topK: 10, featuresPerToken: 8, hook: null },
    legend: { mode: 'rank', rankBounds: [10, 100, 1000], maxSurprisal: 10 },
    readOnly: false,
    snapshot: null,
  },
  {
    type: 'init',
    protocol: 1,
    model: null,
    settings: { topK: 5, featuresPerToken: 3, hook: 'blocks.1.hook_resid_post' },
    legend: { mode: 'surprisal', rankBounds: [10, 100, 1000], maxSurprisal: 8 },
    readOnly: true,
    snapshot: { fileName: 'a.py.activations.json', createdAt: '2026-11-28T20:00:00Z', textMatches: false },
  },
  {
    type: 'analysis',
    docUri: 'file:///w/a.py',
    fileName: 'a.py',
    version: 3,
    textSha256: sha,
    textLength: 9,
    hooks: ['blocks.0.hook_resid_post'],
    tokenCount: 3,
    firstIndex: 0,
    tokens: [
      { text: 'def', start: 0, end: 3, logprob: null, rank: null, entropy: null },
      { text: ' f', start: 3, end: 5, logprob: -2.5, rank: 4, entropy: 3.1 },
      { text: '():', start: 5, end: 8, logprob: -0.1, rank: 0, entropy: 0.4 },
    ],
    cursorIndex: 1,
  },
  {
    type: 'selection',
    docUri: 'file:///w/a.py',
    version: 3,
    index: 1,
    token: {
      id: 277,
      text: ' f',
      start: 3,
      end: 5,
      logprob: -2.5,
      rank: 4,
      entropy: 3.1,
      topk: [{ id: 8, text: '(', prob: 0.6 }, { id: 9, text: '\n', prob: 0.1 }],
      nextEntropy: 1.2,
      features: { 'blocks.0.hook_resid_post': [{ index: 12, activation: 4.5 }] },
      reconstruction: { 'blocks.0.hook_resid_post': 0.93 },
    },
    predictedBy: [{ id: 300, text: ' main', prob: 0.2 }],
    nextToken: { id: 8, text: '(' },
    featureLabels: { 'blocks.0.hook_resid_post': ['function names'] },
    featureDensities: { 'blocks.0.hook_resid_post': [0.004] },
  },
  {
    type: 'card',
    requestId: 'c1',
    hook: 'blocks.0.hook_resid_post',
    index: 12,
    card: {
      index: 12,
      label: 'function names',
      label_method: 'top tokens',
      density: 0.013,
      max_activation: 7.2,
      mean_activation: 1.9,
      histogram: { edges: [0, 1, 2], counts: [5, 1] },
      top_contexts: [{ tokens: ['def', ' f', '('], index: 1, activation: 7.2 }],
      promoted: [{ id: 8, text: '(', logit: 0.91 }],
      suppressed: [{ id: 5, text: ')', logit: -0.8 }],
      computed: false,
      label_confidence: 0.9,
    } as never,
    occurrences: [{ index: 1, text: ' f', activation: 4.5 }],
    error: null,
  },
  { type: 'card', requestId: 'c2', hook: 'h', index: 3, card: null, occurrences: [], error: 'This bundle has no feature cards.' },
  {
    type: 'card',
    requestId: 'c3',
    hook: 'h',
    index: 3,
    // A card computed at load time (dictionary without cards): only label and logits.
    card: { index: 3, label: '', promoted: [{ id: 1, text: 'a', logit: 0.2 }], suppressed: [], computed: true },
    occurrences: [],
    error: null,
  },
  { type: 'status', state: 'analysing', message: 'Analysing a.py', progress: 0.5 },
  { type: 'error', message: 'model.onnx is truncated', kind: 'truncated-model' },
  { type: 'highlight', feature: { hook: 'h', index: 3 } },
  { type: 'highlight', feature: null },
  { type: 'clear', reason: 'Not analysed: the file is binary.' },
];

/** Fields that may be absent (engine FeatureCard), so deleting them is no malformation. */
export const OPTIONAL_CARD_FIELDS = ['label_method', 'density', 'max_activation', 'mean_activation', 'histogram', 'top_contexts', 'computed', 'label_confidence'];

export const validFromWebview: FromWebviewMessage[] = [
  { type: 'ready', protocol: 1 },
  { type: 'selectToken', index: 4 },
  { type: 'revealToken', index: 0 },
  { type: 'requestCard', requestId: 'c1', hook: 'blocks.0.hook_resid_post', index: 12 },
  { type: 'highlightFeature', hook: 'blocks.0.hook_resid_post', index: 12 },
  { type: 'clearHighlight' },
  { type: 'setOptions', topK: 10, featuresPerToken: 8, hook: null },
  { type: 'exportSnapshot', includeActivations: false },
  { type: 'openSnapshot' },
  { type: 'log', level: 'warn', message: 'rejected a message' },
];
