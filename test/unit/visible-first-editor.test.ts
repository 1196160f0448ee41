// Visible-first in the editor layer: the visible range goes to the engine as the priority range, a
// partial result is stored and shown at once for exactly its version, never after an edit, and the
// whole result replaces it.
import { beforeEach, describe, expect, it, vi } from 'vitest';
vi.mock('vscode', async () => (await import('./editorFakeVscode')).vscodeModule());
import { AnalysisStore } from '../../src/editor/document/analysisStore';
import { DocumentTracker } from '../../src/editor/document/documentTracker';
import type { AnalyzeProgress } from '../../src/editor/model/engineApi';
import { ModelHost } from '../../src/editor/model/modelHost';
import { covers } from '../../src/editor/document/visibleFirst';
import type { AnalysisOptions, AnalysisResult, Result } from '../../src/engine';
import { DEFAULT_SETTINGS } from '../../src/settings';
import { FakeEngine, fakeAnalysis } from './editorFakeEngine';
import { fake, Position, Range } from './editorFakeVscode';

/** An engine that sends the priority range's tokens, then waits for `release` before the whole result. */
class VisibleFirstEngine extends FakeEngine {
  priority: AnalysisOptions['priorityRange'][] = [];
  beforePartial: Promise<void> = Promise.resolve();
  release!: () => void;
  private gate = new Promise<void>((r) => (this.release = r));

  override async analyze(docKey: string, text: string, options: AnalysisOptions, signal?: AbortSignal, onProgress?: (p: AnalyzeProgress) => void): Promise<Result<AnalysisResult>> {
    this.priority.push(options.priorityRange);
    const whole = fakeAnalysis(text);
    await this.beforePartial;
    const range = options.priorityRange!;
    const first = whole.tokens.findIndex((t) => t.end > range.start);
    const tokens = whole.tokens.filter((t) => t.end > range.start && t.start < range.end);
    onProgress?.({ fraction: 0.1, partial: { partial: true, modelId: whole.modelId, textSha256: whole.textSha256, textLength: text.length, hooks: whole.hooks, tokens, firstToken: first, totalTokens: whole.tokens.length } });
    await this.gate;
    if (signal?.aborted) return { ok: false, error: { kind: 'cancelled', message: 'cancelled' } };
    return { ok: true, value: whole };
  }
}

let engine: VisibleFirstEngine;
let store: AnalysisStore;
let tracker: DocumentTracker;

beforeEach(async () => {
  fake.reset();
  engine = new VisibleFirstEngine();
  store = new AnalysisStore();
  const model = new ModelHost('/fake', { loadOpener: async () => async () => ({ ok: true, value: engine }) });
  await model.get();
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  tracker = new DocumentTracker(store, model, () => ({ ...DEFAULT_SETTINGS, debounceMs: 5000 }), log);
});

const text = Array.from({ length: 40 }, (_, i) => `line_${i} = ${i}`).join('\n');

function openWithView(fromLine: number, toLine: number) {
  const opened = fake.open('/w/long.py', text);
  (opened.editor as unknown as { visibleRanges: Range[] }).visibleRanges = [new Range(new Position(fromLine, 0), new Position(toLine, 0))];
  return opened;
}

describe('visible-first analysis in the editor', () => {
  it('sends the visible range, stores the partial result for its version at once, then the whole one', async () => {
    const { doc } = openWithView(20, 25);
    const done = tracker.analyseNow(doc as never);
    await vi.waitFor(() => expect(store.get(doc.uri.toString(), doc.version)?.partial).toBeDefined());
    expect(engine.priority[0]).toEqual({ start: doc.offsetAt(new Position(20, 0)), end: doc.offsetAt(new Position(25, 0)) });
    const part = store.get(doc.uri.toString(), doc.version)!;
    expect(covers(part.result.tokens, engine.priority[0]!)).toBe(true);
    expect(part.result.tokens[0]!.start).toBeGreaterThan(0);
    expect(tracker.status(doc.uri.toString())).toMatchObject({ kind: 'analysing', visibleShown: true });
    engine.release();
    await done;
    const whole = store.get(doc.uri.toString(), doc.version)!;
    expect(whole.partial).toBeUndefined();
    expect(whole.result.tokens[0]!.start).toBe(0);
  });

  it('never stores a partial result once the document has changed', async () => {
    const { doc } = openWithView(20, 25);
    let letPartialGo!: () => void;
    engine.beforePartial = new Promise((r) => (letPartialGo = r));
    const done = tracker.analyseNow(doc as never);
    await vi.waitFor(() => expect(engine.priority).toHaveLength(1));
    doc.edit(0, 0, '# typed\n'); // typing before the partial result arrives
    letPartialGo();
    await new Promise((r) => setTimeout(r, 10));
    expect(store.get(doc.uri.toString(), doc.version)).toBeUndefined();
    expect(store.get(doc.uri.toString(), doc.version - 1)).toBeUndefined();
    expect(store.prefix(doc.uri.toString(), doc.version)).toBeUndefined();
    engine.release();
    await done;
  });
});
