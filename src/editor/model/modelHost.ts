// Owns the engine for the configured bundle folder: loads it lazily on first need (never during
// activation), exactly once per folder, and swaps it when the folder changes (no restart needed).
// An engine whose worker crashes is dropped and the next use loads a fresh one; a folder whose engine
// keeps crashing is given up on (an error state) instead of looping.
import type { EngineError, Result } from '../../engine';
import type { AnalysisEngine, EngineOpener } from './engineApi';

export type ModelState =
  | { kind: 'idle'; bundleDir: string }
  | { kind: 'loading'; bundleDir: string }
  | { kind: 'ready'; bundleDir: string; modelId: string; loadMs: number }
  | { kind: 'error'; bundleDir: string; error: EngineError };

export interface ModelHostOptions {
  /** Loads the engine module lazily (a dynamic import), so activation never pays for it. */
  loadOpener: () => Promise<EngineOpener>;
  /** Wraps a load in user-visible progress (window.withProgress in the extension). */
  withLoadProgress?: <T>(bundleDir: string, work: Promise<T>) => Promise<T>;
  log?: (line: string) => void;
  now?: () => number;
  /** Called after a crashed engine was dropped and will be reloaded: re-run what was showing. */
  onEngineRestart?: () => void;
}

/** After this many crashes within CRASH_WINDOW_MS the host stops reloading until reset(). */
export const MAX_CRASHES = 3;
export const CRASH_WINDOW_MS = 10 * 60_000;

export class ModelHost {
  private bundleDir: string;
  private loading: Promise<Result<AnalysisEngine>> | undefined;
  private engine: AnalysisEngine | undefined;
  private stateValue: ModelState;
  private readonly listeners = new Set<(s: ModelState) => void>();
  private generation = 0;
  private crashTimes: number[] = [];
  private stopSubscription: { dispose(): void } | undefined;

  constructor(bundleDir: string, private readonly options: ModelHostOptions) {
    this.bundleDir = bundleDir;
    this.stateValue = { kind: 'idle', bundleDir };
  }

  get state(): ModelState {
    return this.stateValue;
  }

  get currentBundleDir(): string {
    return this.bundleDir;
  }

  /** The loaded engine if ready, without starting a load. */
  get loaded(): AnalysisEngine | undefined {
    return this.engine;
  }

  onDidChangeState(listener: (s: ModelState) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Switches bundle folder; the old engine is disposed, the new one loads on next use. */
  setBundleDir(dir: string): boolean {
    if (dir === this.bundleDir) return false;
    this.bundleDir = dir;
    this.reset();
    return true;
  }

  /** Forgets the current engine (and a failed load), so the next get() loads again. */
  reset(): void {
    this.generation++;
    this.crashTimes = [];
    const old = this.engine;
    this.dropEngine();
    this.loading = undefined;
    if (old) void old.dispose().catch(() => undefined);
    this.setState({ kind: 'idle', bundleDir: this.bundleDir });
  }

  /** The engine, loading it on first call. A failed load is remembered (no retry storm) until reset(). */
  get(): Promise<Result<AnalysisEngine>> {
    if (this.engine) return Promise.resolve({ ok: true, value: this.engine });
    if (this.loading) return this.loading;
    const generation = this.generation;
    const bundleDir = this.bundleDir;
    const started = this.now();
    this.setState({ kind: 'loading', bundleDir });
    this.options.log?.(`Loading model bundle ${bundleDir}`);
    const work = (async (): Promise<Result<AnalysisEngine>> => {
      try {
        const open = await this.options.loadOpener();
        return await open(bundleDir);
      } catch (e) {
        return { ok: false, error: { kind: 'internal', message: `Could not load the engine: ${(e as Error)?.message ?? e}` } };
      }
    })();
    const wrapped = this.options.withLoadProgress ? this.options.withLoadProgress(bundleDir, work) : work;
    this.loading = wrapped.then((res) => {
      if (generation !== this.generation) {
        // switched folders while loading: drop this engine
        if (res.ok) void res.value.dispose().catch(() => undefined);
        return { ok: false, error: { kind: 'superseded', message: 'The model folder changed while loading.' } };
      }
      if (res.ok) {
        this.engine = res.value;
        const engine = res.value;
        this.stopSubscription = engine.onDidStop((error) => this.engineStopped(engine, error));
        const loadMs = this.now() - started;
        this.options.log?.(`Model ${res.value.modelId} ready in ${loadMs.toFixed(0)} ms`);
        this.setState({ kind: 'ready', bundleDir, modelId: res.value.modelId, loadMs });
      } else {
        this.options.log?.(`Model bundle ${bundleDir} failed to load: ${describeError(res.error)}`);
        this.setState({ kind: 'error', bundleDir, error: res.error });
      }
      return res;
    });
    return this.loading;
  }

  async dispose(): Promise<void> {
    this.generation++;
    this.listeners.clear();
    const e = this.engine;
    this.dropEngine();
    if (e) await e.dispose().catch(() => undefined);
  }

  private now(): number {
    return this.options.now ? this.options.now() : performance.now();
  }

  private dropEngine(): void {
    this.stopSubscription?.dispose();
    this.stopSubscription = undefined;
    this.engine = undefined;
  }

  private engineStopped(engine: AnalysisEngine, error: EngineError): void {
    if (engine !== this.engine) return;
    const now = this.now();
    this.crashTimes = [...this.crashTimes.filter((t) => now - t < CRASH_WINDOW_MS), now];
    this.generation++;
    this.dropEngine();
    void engine.dispose().catch(() => undefined);
    const bundleDir = this.bundleDir;
    if (this.crashTimes.length >= MAX_CRASHES) {
      const given: EngineError = {
        kind: 'internal',
        message: `The model stopped ${this.crashTimes.length} times in ${CRASH_WINDOW_MS / 60_000} minutes (last: ${error.message}); ` +
          'it is not restarted again until you choose Select Model or change the model setting.',
      };
      this.options.log?.(given.message);
      // Remembered like a failed load: get() answers this error without loading again.
      this.loading = Promise.resolve({ ok: false, error: given });
      this.setState({ kind: 'error', bundleDir, error: given });
      return;
    }
    this.options.log?.(`The model stopped (${error.message}); it is reloaded for the next analysis.`);
    this.loading = undefined;
    this.setState({ kind: 'idle', bundleDir });
    this.options.onEngineRestart?.();
  }

  private setState(s: ModelState): void {
    this.stateValue = s;
    for (const l of this.listeners) {
      try {
        l(s);
      } catch {
        // listeners are views; one failing must not break loading
      }
    }
  }
}

/** One sentence for people: the problem and the file it is in. */
export function describeError(error: EngineError): string {
  return error.file ? `${error.message} (${error.file})` : error.message;
}
