// Runs the active feature edits of a document through the engine and keeps the edited result, stamped
// with the document version and edit-list key it was computed for. get() answers only for a stamp
// that still matches, so hover, heat map, status bar and panel never show a stale or mislabelled
// result during an edit storm (edits added and removed while typing). No `vscode`.
import type { AnalysisOptions, EditedAnalysis, Result } from '../../engine';
import type { AnalysisEngine } from '../model/engineApi';
import type { EditSessions } from './editSession';

export type EditRun =
  | { state: 'running'; version: number; editsKey: string }
  | { state: 'ready'; version: number; editsKey: string; result: EditedAnalysis }
  | { state: 'error'; version: number; editsKey: string; message: string };

export interface EditEffectsDeps {
  sessions: EditSessions;
  engine(): Promise<Result<AnalysisEngine>>;
  /** The document's current version and text; undefined when it is not open. */
  document(docKey: string): { version: number; getText(): string } | undefined;
  /** Whether the plain analysis of exactly this version is done (the edited run reuses it). */
  plainReady(docKey: string, version: number): boolean;
  /** The options the plain analysis runs with (its cache is kept when they match). */
  options(engine: AnalysisEngine): AnalysisOptions;
  /** Waits this long after the last change before running (edits and typing come in bursts). */
  delayMs?: number;
}

const DEFAULT_DELAY_MS = 120;

export class EditEffects {
  private readonly runs = new Map<string, EditRun>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly controllers = new Map<string, AbortController>();
  /** The run in flight per document, so a caller that needs its answer (the export) can wait for it. */
  private readonly pending = new Map<string, Promise<EditRun | undefined>>();
  private readonly listeners = new Set<(docKey: string) => void>();

  constructor(private readonly deps: EditEffectsDeps) {}

  /**
   * The document's edit run for exactly this version and its current edit list; undefined when there
   * are no edits, or the newest run was for another version or list (its result is never shown).
   */
  get(docKey: string, version: number): EditRun | undefined {
    const run = this.runs.get(docKey);
    return run && run.version === version && run.editsKey === this.deps.sessions.key(docKey) ? run : undefined;
  }

  /** The edited result for exactly this version and edit list, if it is ready. */
  result(docKey: string, version: number): EditedAnalysis | undefined {
    const run = this.get(docKey, version);
    return run?.state === 'ready' ? run.result : undefined;
  }

  /** Something the result depends on changed (edits, text, plain analysis): run again after a pause. */
  schedule(docKey: string): void {
    const stale = this.runs.get(docKey);
    const doc = this.deps.document(docKey);
    // Whatever ran for another list or version no longer holds: drop it now, not after the pause.
    if (stale && (!doc || stale.version !== doc.version || stale.editsKey !== this.deps.sessions.key(docKey))) {
      this.controllers.get(docKey)?.abort();
      this.runs.delete(docKey);
      this.fire(docKey);
    }
    clearTimeout(this.timers.get(docKey));
    this.timers.set(
      docKey,
      setTimeout(() => {
        this.timers.delete(docKey);
        void this.run(docKey);
      }, this.deps.delayMs ?? DEFAULT_DELAY_MS),
    );
  }

  /** Runs now (tests, and the export that needs the result); resolves when the run is done. A run
   *  already done or in flight for the current version and list is answered, not repeated. */
  run(docKey: string): Promise<EditRun | undefined> {
    const current = this.runs.get(docKey);
    const doc = this.deps.document(docKey);
    if (current && doc && current.version === doc.version && current.editsKey === this.deps.sessions.key(docKey)) {
      if (current.state === 'ready') return Promise.resolve(current);
      if (current.state === 'running') return this.pending.get(docKey) ?? Promise.resolve(current);
    }
    const started = this.start(docKey);
    this.pending.set(docKey, started);
    void started.finally(() => {
      if (this.pending.get(docKey) === started) this.pending.delete(docKey);
    });
    return started;
  }

  private async start(docKey: string): Promise<EditRun | undefined> {
    const doc = this.deps.document(docKey);
    const edits = this.deps.sessions.list(docKey).map((e) => e.edit);
    const editsKey = this.deps.sessions.key(docKey);
    if (!doc || edits.length === 0) {
      this.controllers.get(docKey)?.abort();
      if (this.runs.delete(docKey)) this.fire(docKey);
      return undefined;
    }
    const version = doc.version;
    // Waits for the plain analysis of this version: it comes through the store, which schedules again.
    if (!this.deps.plainReady(docKey, version)) return undefined;
    this.controllers.get(docKey)?.abort();
    const controller = new AbortController();
    this.controllers.set(docKey, controller);
    this.set(docKey, { state: 'running', version, editsKey });
    const engine = await this.deps.engine();
    const answer = engine.ok
      ? await engine.value.analyzeEdited(docKey, doc.getText(), edits, this.deps.options(engine.value), controller.signal)
      : engine;
    if (this.controllers.get(docKey) === controller) this.controllers.delete(docKey);
    // Superseded by a newer run, or the text or the list moved on meanwhile: this answer is dropped.
    if (controller.signal.aborted || this.deps.sessions.key(docKey) !== editsKey || this.deps.document(docKey)?.version !== version) return undefined;
    if (!answer.ok && (answer.error.kind === 'superseded' || answer.error.kind === 'cancelled')) return undefined;
    const done: EditRun = answer.ok
      ? { state: 'ready', version, editsKey, result: answer.value }
      : { state: 'error', version, editsKey, message: answer.error.message };
    this.set(docKey, done);
    return done;
  }

  forget(docKey: string): void {
    clearTimeout(this.timers.get(docKey));
    this.timers.delete(docKey);
    this.controllers.get(docKey)?.abort();
    this.controllers.delete(docKey);
    this.runs.delete(docKey);
  }

  onDidChange(listener: (docKey: string) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  dispose(): void {
    for (const docKey of [...this.runs.keys(), ...this.timers.keys()]) this.forget(docKey);
    this.listeners.clear();
  }

  private set(docKey: string, run: EditRun): void {
    this.runs.set(docKey, run);
    this.fire(docKey);
  }

  private fire(docKey: string): void {
    for (const l of this.listeners) l(docKey);
  }
}
