// Follows the documents shown in editors and keeps their analyses current: debounced after edits,
// one in-flight run per document (a newer edit aborts the older run; the engine also supersedes it),
// and a finished result is stored only if the document is still at the version and text it was
// computed for.
import * as vscode from 'vscode';
import type { AnalysisOptions, AnalysisResult } from '../../engine';
import type { Settings } from '../../settings';
import type { AnalysisStore } from './analysisStore';
import { key, sha256Hex } from './documentKey';
import { checkEligibility, documentFacts } from './eligibility';
import type { Logger } from '../logger';
import type { ModelHost } from '../model/modelHost';
import { describeError } from '../model/modelHost';
import { visibleOffsets } from './visibleFirst';

export type DocStatus =
  | { kind: 'pending' }
  /** `visibleShown`: a long document's visible part is analysed and shown; the rest fills in. */
  | { kind: 'analysing'; fraction?: number; visibleShown?: boolean }
  | { kind: 'ready'; ms: number; tokens: number; reused: number }
  | { kind: 'skipped'; reason: string; detail: string }
  | { kind: 'error'; message: string };

export interface TrackerStats {
  /** Runs the engine finished successfully. */
  completed: number;
  /** Of those, results stored because they matched the document's current version and text. */
  current: number;
  /** Results dropped because the document changed meanwhile. */
  stale: number;
  /** Runs that ended superseded or cancelled (a newer edit arrived first). */
  superseded: number;
  errors: number;
}

/** Runs longer than this show in the window's progress area. */
const WINDOW_PROGRESS_AFTER_MS = 400;
/** Runs longer than this also get a notification with a Cancel button. */
const NOTIFY_AFTER_MS = 1500;

interface DocRun {
  timer?: ReturnType<typeof setTimeout>;
  controller?: AbortController;
}

export class DocumentTracker implements vscode.Disposable {
  private readonly runs = new Map<string, DocRun>();
  private readonly statuses = new Map<string, DocStatus>();
  private readonly statusEmitter = new vscode.EventEmitter<string>();
  readonly onDidChangeStatus = this.statusEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private lastErrorByDoc = new Map<string, string>();
  readonly stats: TrackerStats = { completed: 0, current: 0, stale: 0, superseded: 0, errors: 0 };

  constructor(
    private readonly store: AnalysisStore,
    private readonly model: ModelHost,
    private readonly settings: () => Settings,
    private readonly log: Logger,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length === 0) return; // dirty-state changes only
        this.store.noteEdit(key(e.document), e.document.version, Math.min(...e.contentChanges.map((c) => c.rangeOffset)));
        if (this.isShown(e.document) || this.runs.has(key(e.document))) this.schedule(e.document);
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => this.forget(doc)),
      vscode.window.onDidChangeVisibleTextEditors(() => this.refreshVisible()),
      vscode.window.onDidChangeActiveTextEditor(() => this.refreshVisible()),
    );
  }

  status(docKey: string): DocStatus | undefined {
    return this.statuses.get(docKey);
  }

  /** Schedules every shown document that has no current analysis. */
  refreshVisible(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const doc = editor.document;
      if (!this.store.get(key(doc), doc.version) && !this.runs.get(key(doc))?.controller) this.schedule(doc, 0);
    }
  }

  /** Re-analyses every shown document (settings or model changed). */
  reanalyseVisible(): void {
    for (const editor of vscode.window.visibleTextEditors) this.schedule(editor.document, 0);
  }

  /** Debounced analysis of `doc`; `delayMs` overrides the debounce setting. */
  schedule(doc: vscode.TextDocument, delayMs?: number): void {
    const docKey = key(doc);
    const run = this.runs.get(docKey) ?? {};
    this.runs.set(docKey, run);
    if (run.timer) clearTimeout(run.timer);
    // A newer edit makes the running analysis useless: abort it now rather than when it finishes.
    run.controller?.abort();
    run.controller = undefined;
    const delay = delayMs ?? this.settings().debounceMs;
    this.setStatus(docKey, { kind: 'pending' });
    run.timer = setTimeout(() => {
      run.timer = undefined;
      void this.analyse(doc, run);
    }, delay);
  }

  /** Runs an analysis now and resolves when it is stored (or dropped). Used by commands and tests. */
  async analyseNow(doc: vscode.TextDocument, extra: Partial<AnalysisOptions> = {}): Promise<AnalysisResult | undefined> {
    const docKey = key(doc);
    const run = this.runs.get(docKey) ?? {};
    this.runs.set(docKey, run);
    if (run.timer) clearTimeout(run.timer);
    run.timer = undefined;
    run.controller?.abort();
    return this.analyse(doc, run, extra);
  }

  private async analyse(doc: vscode.TextDocument, run: DocRun, extra: Partial<AnalysisOptions> = {}): Promise<AnalysisResult | undefined> {
    const docKey = key(doc);
    if (doc.isClosed) return undefined;
    const settings = this.settings();
    const text = doc.getText();
    const eligibility = checkEligibility(documentFacts(doc.languageId, doc.uri.scheme, text), settings);
    if (!eligibility.ok) {
      this.store.delete(docKey);
      this.setStatus(docKey, { kind: 'skipped', reason: eligibility.reason, detail: eligibility.detail });
      return undefined;
    }
    const controller = new AbortController();
    run.controller = controller;
    const version = doc.version;
    const sha = sha256Hex(text);
    this.setStatus(docKey, { kind: 'analysing' });

    const engineResult = await this.model.get();
    if (controller.signal.aborted) return undefined;
    if (!engineResult.ok) {
      if (engineResult.error.kind !== 'superseded') this.setStatus(docKey, { kind: 'error', message: describeError(engineResult.error) });
      run.controller = undefined;
      return undefined;
    }
    const engine = engineResult.value;
    const options: AnalysisOptions = {
      topK: Math.min(settings.topK, engine.topkMax), // a bundle may return fewer than the setting asks
      featuresPerToken: settings.featuresPerToken,
      featureOrder: settings.featureOrder,
      hooks: [...settings.hooks.filter((h) => engine.hooks.includes(h))],
      // Visible-first: the windows on screen run first (the engine ignores it for a one-window document).
      priorityRange: visibleOffsets(doc),
      ...extra,
    };
    let visibleShown = false;
    const started = performance.now();
    const result = await this.withProgress(doc, controller, (onFraction) =>
      engine.analyze(docKey, text, options, controller.signal, (p) => {
        onFraction(p.fraction);
        // A partial result is shown only for exactly the text and version it was computed for.
        if (p.partial && run.controller === controller && !doc.isClosed && doc.version === version && p.partial.textSha256 === sha) {
          this.store.setPartial(docKey, version, p.partial);
          visibleShown = true;
        }
        this.setStatus(docKey, { kind: 'analysing', fraction: p.fraction, visibleShown });
      }),
    );
    // Still this run's controller = no newer edit or request replaced it.
    const latestRun = run.controller === controller;
    if (latestRun) run.controller = undefined;
    if (!result.ok) {
      if (result.error.kind === 'superseded' || result.error.kind === 'cancelled') {
        this.stats.superseded++;
        if (latestRun && controller.signal.aborted) {
          // the person pressed Cancel on the progress notification
          this.setStatus(docKey, { kind: 'skipped', reason: 'the analysis was cancelled', detail: 'Edit the document to analyse it again.' });
        } else if (latestRun) {
          this.setStatus(docKey, { kind: 'error', message: describeError(result.error) });
        }
        return undefined;
      }
      this.stats.errors++;
      const message = describeError(result.error);
      if (this.lastErrorByDoc.get(docKey) !== message) this.log.error(`Analysis of ${doc.uri.fsPath || docKey} failed: ${message}`);
      this.lastErrorByDoc.set(docKey, message);
      this.setStatus(docKey, { kind: 'error', message });
      return undefined;
    }
    this.stats.completed++;
    this.lastErrorByDoc.delete(docKey);
    const value = result.value;
    // Never show a result for another version of the text.
    if (doc.isClosed || doc.version !== version || value.textSha256 !== sha) {
      this.stats.stale++;
      if (value.textSha256 !== sha) this.log.warn(`Dropped an analysis of ${docKey}: its text sha256 does not match the text sent`);
      return undefined;
    }
    this.stats.current++;
    const ms = performance.now() - started;
    this.store.set(docKey, version, value);
    this.setStatus(docKey, {
      kind: 'ready',
      ms: value.timings?.totalMs ?? ms,
      tokens: value.tokens.length,
      reused: value.timings?.reusedTokens ?? 0,
    });
    this.log.info(
      `Analysed ${doc.uri.fsPath || docKey} v${version}: ${value.tokens.length} tokens in ${ms.toFixed(0)} ms` +
        (value.timings ? ` (reused ${value.timings.reusedTokens}, computed ${value.timings.computedTokens})` : ''),
    );
    return value;
  }

  /**
   * Progress for runs that take a while: the window's progress area after WINDOW_PROGRESS_AFTER_MS
   * (incremental runs while typing finish sooner and stay quiet), plus a notification with a Cancel
   * button after NOTIFY_AFTER_MS (long documents, first load).
   */
  private withProgress<T>(doc: vscode.TextDocument, controller: AbortController, work: (onFraction: (f: number) => void) => Promise<T>): Promise<T> {
    let reportNotification: ((f: number) => void) | undefined;
    let lastFraction = 0;
    const promise = work((f) => {
      lastFraction = f;
      reportNotification?.(f);
    });
    const quiet = promise.then(
      () => undefined,
      () => undefined,
    );
    const name = doc.uri.path.split('/').pop() || 'document';
    const windowTimer = setTimeout(() => {
      if (controller.signal.aborted) return;
      void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Analysing ${name}` }, () => quiet);
    }, WINDOW_PROGRESS_AFTER_MS);
    const notifyTimer = setTimeout(() => {
      if (controller.signal.aborted) return;
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Activation Inspector: analysing ${name}`, cancellable: true },
        (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          let reported = 0;
          reportNotification = (f) => {
            const pct = Math.round(f * 100);
            if (pct > reported) progress.report({ increment: pct - reported, message: `${pct}%` });
            reported = Math.max(reported, pct);
          };
          reportNotification(lastFraction);
          return quiet;
        },
      );
    }, NOTIFY_AFTER_MS);
    return promise.finally(() => {
      clearTimeout(windowTimer);
      clearTimeout(notifyTimer);
    });
  }

  private forget(doc: vscode.TextDocument): void {
    const docKey = key(doc);
    const run = this.runs.get(docKey);
    if (run?.timer) clearTimeout(run.timer);
    run?.controller?.abort();
    this.runs.delete(docKey);
    this.statuses.delete(docKey);
    this.lastErrorByDoc.delete(docKey);
    this.store.delete(docKey);
    this.model.loaded?.forget(docKey);
  }

  private isShown(doc: vscode.TextDocument): boolean {
    return vscode.window.visibleTextEditors.some((e) => e.document === doc);
  }

  private setStatus(docKey: string, status: DocStatus): void {
    // Every keystroke schedules again: 'pending' over 'pending' changes nothing the listeners (status
    // bar, panel) show, so they are not told again.
    if (status.kind === 'pending' && this.statuses.get(docKey)?.kind === 'pending') return;
    this.statuses.set(docKey, status);
    this.statusEmitter.fire(docKey);
  }

  dispose(): void {
    for (const run of this.runs.values()) {
      if (run.timer) clearTimeout(run.timer);
      run.controller?.abort();
    }
    this.runs.clear();
    for (const d of this.disposables) d.dispose();
    this.statusEmitter.dispose();
  }
}
