// Progress on stderr: redrawn in place on a terminal, a line per tenth with --progress elsewhere, silent
// otherwise; the label never carries raw control characters (the caller escapes it).
import { describe, expect, it } from 'vitest';
import { progressReporter } from '../../src/cli/progress';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (s: string) => writes.push(s) };
}

describe('progress reporter', () => {
  it('on a terminal redraws one line, at most every 200 ms, and clears it at the end', () => {
    const s = sink(true);
    let now = 0;
    const p = progressReporter('analyzing a.py', false, s, () => now);
    p.update(0, 1000);
    now = 50;
    p.update(100, 1000); // too soon: skipped
    now = 300;
    p.update(500, 1000);
    p.update(1000, 1000); // the last one always shows
    p.finish();
    expect(s.writes).toEqual([
      '\ranalyzing a.py: 0/1000 tokens (0%)\u001b[K',
      '\ranalyzing a.py: 500/1000 tokens (50%)\u001b[K',
      '\ranalyzing a.py: 1000/1000 tokens (100%)\u001b[K',
      '\r\u001b[K',
    ]);
  });

  it('with --progress and no terminal writes a line at each tenth', () => {
    const s = sink(false);
    const p = progressReporter('scoring b.py', true, s);
    for (let done = 0; done <= 1000; done += 50) p.update(done, 1000);
    p.finish();
    expect(s.writes).toHaveLength(11);
    expect(s.writes[5]).toBe('scoring b.py: 500/1000 tokens (50%)\n');
  });

  it('without --progress and no terminal says nothing', () => {
    const s = sink(false);
    const p = progressReporter('x', false, s);
    p.update(1, 2);
    p.finish();
    expect(s.writes).toEqual([]);
  });
});
