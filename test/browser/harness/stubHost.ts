// Plays the extension side of the protocol from a committed analysis, using the host's own message
// builders (src/inspector/panelMessages.ts), so what the panel receives is what the extension sends.
import { buildAnalysisMessage, buildSelectionMessage, featureOccurrences } from '../../../src/inspector/panelMessages';
import { buildExplanationView } from '../../../src/inspector/explainMessages';
import type { FromWebviewMessage, InitMessage, PanelSettings, ToWebviewMessage } from '../../../src/protocol';
import { DEFAULT_LEGEND, PROTOCOL_VERSION } from '../../../src/protocol';
import type { PanelFixture } from './fixture';
import { loadEditFixture } from './editFixture';
import { StubEdits } from './stubEdits';
import type { PanelPage } from './page';

export interface StubHostOptions {
  cursorIndex?: number;
  settings?: PanelSettings;
  readOnly?: boolean;
  /** Hold card replies until releaseCards() (to see the loading state). */
  holdCards?: boolean;
  /** Hold explanation replies until releaseExplanations(). */
  holdExplanations?: boolean;
  /** Answer every explanation request with this engine error (e.g. a bundle that cannot explain). */
  explainError?: { kind: string; message: string };
  legend?: InitMessage['legend'];
  snapshot?: InitMessage['snapshot'];
  /** Send only init (no analysis) on ready. */
  initOnly?: boolean;
  /** Answer nothing at all (the extension has not connected yet). */
  silent?: boolean;
  /** Tokens per analysis message (the host's ANALYSIS_WINDOW by default). */
  window?: number;
}

export class StubHost {
  settings: PanelSettings;
  private held: (() => Promise<void>)[] = [];
  private heldExplanations: (() => Promise<void>)[] = [];
  /** The head the editor would tint now (showAttention / clearAttention), as the host tracks it. */
  attention: { requestId: string; layer: number; head: number } | null = null;
  cursor: number;
  readonly src;
  /** The window the panel was last sent (as the host tracks it). */
  private sentWindow: { first: number; end: number } | null = null;
  /** Feature edits and continuations (stubEdits.ts). */
  readonly edits: StubEdits;

  constructor(
    readonly fixture: PanelFixture,
    private readonly o: StubHostOptions = {},
  ) {
    this.settings = o.settings ?? { topK: 10, featuresPerToken: 8, hook: null };
    this.cursor = o.cursorIndex ?? 0;
    this.src = { docUri: fixture.docUri, fileName: fixture.fileName, version: 1, result: fixture.result };
    this.edits = new StubEdits(loadEditFixture(), { docUri: fixture.docUri, version: 1, topK: () => this.settings.topK });
  }

  init(): InitMessage {
    return {
      type: 'init',
      protocol: PROTOCOL_VERSION,
      model: this.fixture.model,
      settings: this.settings,
      legend: this.o.legend ?? DEFAULT_LEGEND,
      readOnly: this.o.readOnly ?? false,
      snapshot: this.o.snapshot ?? null,
    };
  }

  label = (hook: string, index: number) => this.fixture.labels[hook]?.[index];
  /** Densities of the features the fixture has cards for (the rest are unknown, as without cards). */
  density = (hook: string, index: number) => this.fixture.cards[`${hook}#${index}`]?.density;
  /** Label score, readability and positional flag (the engine's featureFacts), where the fixture's bundle has them. */
  facts = (hook: string, index: number) => this.fixture.facts?.[hook]?.[index];

  analysis(center = this.cursor) {
    const m = buildAnalysisMessage(this.src, center, this.o.window);
    this.sentWindow = { first: m.firstIndex, end: m.firstIndex + m.tokens.length };
    this.edits.setWindow(m.firstIndex, m.tokens.length);
    return m;
  }

  /** As the host does: a selection outside the panel's window first sends the window around it. */
  private async select(index: number, panel: PanelPage) {
    const w = this.sentWindow;
    if (w && (index < w.first || index >= w.end)) await panel.send({ ...this.analysis(index), cursorIndex: null });
    await panel.send(this.selection(index));
    await this.edits.selectedToken(index, panel);
  }

  selection(index: number) {
    const m = buildSelectionMessage(this.src, index, this.label, this.density, this.facts)!;
    // The host honours the panel's top-k / features options.
    m.token.topk = m.token.topk.slice(0, this.settings.topK);
    m.predictedBy = m.predictedBy?.slice(0, this.settings.topK) ?? null;
    for (const h of Object.keys(m.token.features)) {
      m.token.features[h] = m.token.features[h]!.slice(0, this.settings.featuresPerToken);
      m.featureLabels[h] = m.featureLabels[h]!.slice(0, this.settings.featuresPerToken);
      m.featureDensities[h] = m.featureDensities[h]!.slice(0, this.settings.featuresPerToken);
      for (const perHook of [m.featurePositional, m.featureScores, m.featureReadable]) if (perHook) perHook[h] = perHook[h]!.slice(0, this.settings.featuresPerToken);
    }
    return m;
  }

  card(requestId: string, hook: string, index: number): ToWebviewMessage {
    const card = this.fixture.cards[`${hook}#${index}`];
    const occurrences = featureOccurrences(this.fixture.result, hook, index);
    const readable = this.facts(hook, index)?.readable;
    return card
      ? { type: 'card', requestId, hook, index, card, occurrences, error: null, ...(readable !== undefined ? { labelReadable: readable } : {}) }
      : { type: 'card', requestId, hook, index, card: null, occurrences, error: `No card stored for feature ${index} of ${hook}.` };
  }

  /** The host's reply to requestExplain, from the fixture's explanations (default target only). */
  explanation(m: Extract<FromWebviewMessage, { type: 'requestExplain' }>): ToWebviewMessage {
    const base = { type: 'explanation' as const, requestId: m.requestId, docUri: this.fixture.docUri, version: 1, index: m.index };
    const e = this.fixture.explanations[String(m.index)];
    if (this.o.explainError) return { ...base, explanation: null, error: this.o.explainError.message, errorKind: this.o.explainError.kind };
    if (!e || m.target !== null || m.versus !== null) return { ...base, explanation: null, error: 'The test fixture has no explanation for this token and target.', errorKind: 'internal' };
    return { ...base, explanation: buildExplanationView(e, this.label), error: null, errorKind: null };
  }

  releaseExplanations(): Promise<void[]> {
    const held = this.heldExplanations;
    this.heldExplanations = [];
    return Promise.all(held.map((f) => f()));
  }

  releaseCards(): Promise<void[]> {
    const held = this.held;
    this.held = [];
    return Promise.all(held.map((f) => f()));
  }

  /** The handler for PanelPage's onMessage. */
  handle = async (m: FromWebviewMessage, panel: PanelPage): Promise<void> => {
    if (this.o.silent) return;
    switch (m.type) {
      case 'ready':
        await panel.send(this.init());
        if (this.o.initOnly) return;
        await panel.send(this.analysis());
        await panel.send(this.selection(this.cursor));
        await this.edits.selectedToken(this.cursor, panel);
        return;
      case 'selectToken':
        await this.select(m.index, panel);
        return;
      case 'revealToken':
        // The editor cursor moves there; the host's cursor listener answers with the selection.
        this.cursor = m.index;
        await this.select(m.index, panel);
        return;
      case 'requestCard': {
        const reply = () => panel.send(this.card(m.requestId, m.hook, m.index));
        if (this.o.holdCards) this.held.push(reply);
        else await reply();
        return;
      }
      case 'highlightFeature':
        await panel.send({ type: 'highlight', feature: { hook: m.hook, index: m.index } });
        return;
      case 'clearHighlight':
        await panel.send({ type: 'highlight', feature: null });
        return;
      case 'requestExplain': {
        const reply = () => panel.send(this.explanation(m));
        if (this.o.holdExplanations) this.heldExplanations.push(reply);
        else await reply();
        return;
      }
      case 'showAttention':
        this.attention = { requestId: m.requestId, layer: m.layer, head: m.head };
        return;
      case 'clearAttention':
        this.attention = null;
        return;
      case 'setOptions':
        this.settings = { topK: m.topK, featuresPerToken: m.featuresPerToken, hook: m.hook };
        return;
      default:
        await this.edits.handle(m, panel);
        return;
    }
  };
}
