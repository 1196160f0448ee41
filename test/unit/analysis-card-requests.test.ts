// The engine's card requests on their own: bundle cards pass through typed, computed cards go to the
// worker and come back once: by the reply, a timeout, or closing (worker stopped, engine disposed).
import { describe, expect, it } from 'vitest';
import { CardRequests, type CardSources } from '../../src/engine/analysis/card-requests';
import type { WorkerCardRequest } from '../../src/engine/inference';
import type { BundleCard } from '../../src/engine/bundle';
import type { EngineError, FeatureCard, Result } from '../../src/engine';

/** Timers the test fires by hand. */
class ManualTimers {
  private next = 0;
  readonly live = new Map<number, () => void>();
  set = (fn: () => void): unknown => {
    this.live.set(++this.next, fn);
    return this.next;
  };
  clear = (h: unknown): void => void this.live.delete(h as number);
  fireAll(): void {
    for (const [h, fn] of [...this.live]) {
      this.live.delete(h);
      fn();
    }
  }
}

const VOCAB = ['zero', 'one', 'two', 'three'];

function setup(bundleCard?: (hook: string, index: number) => Result<BundleCard>) {
  const posted: WorkerCardRequest[] = [];
  const timers = new ManualTimers();
  const sources: CardSources = {
    dictionaries: [
      { hookName: 'with-cards', dSae: 8, hasCards: true },
      { hookName: 'attached', dSae: 4, hasCards: false },
    ],
    store: { getCard: async (hook, index) => bundleCard?.(hook, index) ?? { ok: false, error: { kind: 'internal', message: 'unexpected read' } } },
    post: (r) => void posted.push(r),
    featureLabel: (hook, index) => `${hook} label ${index}`,
    tokenText: (id) => VOCAB[id] ?? '',
  };
  const cards = new CardRequests(sources, { timeoutMs: 1000, setTimer: timers.set, clearTimer: timers.clear });
  return { cards, posted, timers };
}

const errorOf = (r: Result<FeatureCard>): EngineError | null => (r.ok ? null : r.error);
const tick = () => new Promise((r) => setImmediate(r));

describe('card requests', () => {
  it("a bundle card comes back as a FeatureCard, with empty token lists when the card has none", async () => {
    const { cards, posted } = setup((hook, index) => ({ ok: true, value: { index, label: 'stored', density: 0.5, max_activation: 3, mean_activation: 1 } }));
    const r = await cards.get('with-cards', 3);
    expect(r).toEqual({ ok: true, value: { index: 3, label: 'stored', density: 0.5, max_activation: 3, mean_activation: 1, promoted: [], suppressed: [] } });
    expect(posted).toEqual([]);
  });

  it('unknown hooks and features out of range are bad input, asked of no one', async () => {
    const { cards, posted } = setup();
    expect(errorOf(await cards.get('nope', 0))?.kind).toBe('bad-input');
    for (const i of [-1, 4, 1.5, NaN]) expect(errorOf(await cards.get('attached', i))?.kind).toBe('bad-input');
    expect(posted).toEqual([]);
  });

  it("a computed card asks the worker and names the reply's tokens", async () => {
    const { cards, posted, timers } = setup();
    const pending = cards.get('attached', 2);
    await tick();
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({ type: 'card', hook: 'attached', index: 2 });
    expect(cards.waiting).toBe(1);
    expect(cards.reply({ type: 'card', id: posted[0].id, promoted: [[3, 2.5], [1, 1]], suppressed: [[0, -4]] })).toBe(true);
    expect(await pending).toEqual({
      ok: true,
      value: {
        index: 2, label: 'attached label 2', computed: true,
        promoted: [{ id: 3, text: 'three', logit: 2.5 }, { id: 1, text: 'one', logit: 1 }],
        suppressed: [{ id: 0, text: 'zero', logit: -4 }],
      },
    });
    expect(cards.waiting).toBe(0);
    expect(timers.live.size).toBe(0);
    // A second reply to the same request finds nothing waiting.
    expect(cards.reply({ type: 'card', id: posted[0].id, promoted: [], suppressed: [] })).toBe(false);
  });

  it("the worker's error is the card's error", async () => {
    const { cards, posted } = setup();
    const pending = cards.get('attached', 1);
    await tick();
    cards.reply({ type: 'card', id: posted[0].id, promoted: [], suppressed: [], error: { kind: 'internal', message: 'no embedding' } });
    expect(errorOf(await pending)).toEqual({ kind: 'internal', message: 'no embedding' });
  });

  it('a request the worker never answers times out, is cleaned up, and a late reply is ignored', async () => {
    const { cards, posted, timers } = setup();
    const pending = cards.get('attached', 1);
    await tick();
    timers.fireAll();
    const e = errorOf(await pending);
    expect(e?.kind).toBe('internal');
    expect(e?.message).toMatch(/no reply within 1000 ms/);
    expect(cards.waiting).toBe(0);
    expect(cards.reply({ type: 'card', id: posted[0].id, promoted: [[1, 1]], suppressed: [] })).toBe(false);
  });

  it('closing answers every waiting request with its error, clears the timers, and answers later ones at once', async () => {
    const { cards, posted, timers } = setup();
    const waiting = [cards.get('attached', 0), cards.get('attached', 1)];
    await tick();
    expect(cards.waiting).toBe(2);
    const stopped: EngineError = { kind: 'internal', message: 'the inference worker stopped unexpectedly (exit code 1)' };
    cards.close(stopped);
    for (const r of await Promise.all(waiting)) expect(errorOf(r)).toEqual(stopped);
    expect(cards.waiting).toBe(0);
    expect(timers.live.size).toBe(0);
    expect(errorOf(await cards.get('attached', 2))).toEqual(stopped);
    expect(posted).toHaveLength(2);
  });
});
