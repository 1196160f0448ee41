import { describe, expect, it } from 'vitest';
import { PendingRequests } from '../../src/shared/pendingRequests';

/** Timers we fire by hand, so timeouts are tested without waiting. */
function manualTimers() {
  const timers = new Map<number, () => void>();
  let next = 0;
  return {
    setTimer: (fn: () => void) => {
      timers.set(++next, fn);
      return next;
    },
    clearTimer: (h: unknown) => void timers.delete(h as number),
    fireAll: () => [...timers.entries()].forEach(([h, fn]) => (timers.delete(h), fn())),
    get count() {
      return timers.size;
    },
  };
}

describe('PendingRequests', () => {
  it('resolves the matching request once and clears its timer', async () => {
    const t = manualTimers();
    const reqs = new PendingRequests<string>({ timeoutMs: 1000, ...t });
    const a = reqs.start();
    const b = reqs.start();
    expect(a.requestId).not.toBe(b.requestId);
    expect(reqs.resolve(b.requestId, 'B')).toBe(true);
    expect(reqs.resolve(b.requestId, 'again')).toBe(false);
    await expect(b.promise).resolves.toBe('B');
    expect(reqs.size).toBe(1);
    expect(t.count).toBe(1);
    expect(reqs.resolve('unknown', 'x')).toBe(false);
    reqs.resolve(a.requestId, 'A');
    await expect(a.promise).resolves.toBe('A');
    expect(t.count).toBe(0);
  });

  it('rejects and forgets a request on timeout; a late reply is ignored', async () => {
    const t = manualTimers();
    const reqs = new PendingRequests<string>({ timeoutMs: 1000, ...t });
    const a = reqs.start();
    t.fireAll();
    await expect(a.promise).rejects.toThrow('no reply within 1000 ms');
    expect(reqs.size).toBe(0);
    expect(reqs.resolve(a.requestId, 'late')).toBe(false);
  });

  it('rejects a request whose reply was malformed', async () => {
    const t = manualTimers();
    const reqs = new PendingRequests<string>({ timeoutMs: 1000, ...t });
    const a = reqs.start();
    expect(reqs.fail(a.requestId, 'malformed reply: card.hook must be a string')).toBe(true);
    await expect(a.promise).rejects.toThrow('malformed reply');
    expect(reqs.size).toBe(0);
    expect(t.count).toBe(0);
  });

  it('rejects everything on dispose, and later requests at once', async () => {
    const t = manualTimers();
    const reqs = new PendingRequests<string>({ timeoutMs: 1000, ...t });
    const all = [reqs.start(), reqs.start(), reqs.start()];
    reqs.dispose('panel closed');
    for (const r of all) await expect(r.promise).rejects.toThrow('panel closed');
    expect(reqs.size).toBe(0);
    expect(t.count).toBe(0);
    await expect(reqs.start().promise).rejects.toThrow('after dispose');
  });

  it('works with real timers', async () => {
    const reqs = new PendingRequests<number>({ timeoutMs: 20 });
    await expect(reqs.start().promise).rejects.toThrow('no reply');
  });
});
