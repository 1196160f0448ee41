// The real default bundle (media/models/code-gpt2-2l): it loads and agrees with itself (tokenizer vs
// d_vocab, dictionaries vs hooks, cards vs d_sae); copies of it broken in each of the ten ways (plus
// variants) give an error that names the file and the problem, and nothing throws. Figures are read
// from the bundle, never hard-coded (it is replaced when training finishes).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../../src/engine/bundle';
import { tokenIndexAt } from '../../src/engine/tokens';
import { BREAKAGES, copyBundle } from '../unit/bundle-fixtures';
import { checkTiling } from '../unit/tokens-fixtures';

const BUNDLE = path.resolve(__dirname, '../../media/models/code-gpt2-2l');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-real-bundle-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the default bundle', () => {
  it('is in the repository', () => {
    expect(fs.existsSync(path.join(BUNDLE, 'manifest.json'))).toBe(true);
  });

  it('loads, and its parts agree', async () => {
    const t0 = performance.now();
    const r = await loadBundle(BUNDLE);
    const ms = performance.now() - t0;
    if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.message}`);
    const b = r.value;
    const m = b.manifest;
    console.log(`loadBundle(${m.id}) with sha256 of every file: ${ms.toFixed(0)} ms`);
    expect(b.tokenizer.vocabSize).toBe(m.architecture.d_vocab);
    expect(b.tokenizer.eotId).toBe(m.tokenizer.eot_token_id);
    expect(b.modelSha256).toBe(m.files[m.model.file].sha256);
    expect(b.dictionaries.map((d) => d.hookName)).toEqual((m.dictionaries ?? []).map((d) => d.hook_name));
    for (const d of b.dictionaries) {
      const hook = b.hooks.find((h) => h.name === d.hookName)!;
      expect(d.cfg.d_in).toBe(hook.d);
      expect(d.weights.W_enc.length).toBe(d.cfg.d_in * d.cfg.d_sae);
      expect(d.weights.W_dec.length).toBe(d.cfg.d_in * d.cfg.d_sae);
      if (b.cards.hasCards(d.hookName)) {
        expect(d.labels).toHaveLength(d.cfg.d_sae);
        for (const i of [0, d.cfg.d_sae - 1]) {
          const card = await b.cards.getCard(d.hookName, i);
          if (!card.ok) throw new Error(card.error.message);
          expect(card.value.index).toBe(i);
          expect(card.value.label).toBe(d.labels![i]);
        }
      }
    }
    const text = 'def main():\r\n\tprint("héllo 😀 中文")  # done\n';
    const tokens = b.tokenizer.encode(text);
    expect(checkTiling(b.tokenizer, text, tokens)).toBeNull();
    expect(tokens[tokenIndexAt(tokens, text.indexOf('😀'))].text).toContain('😀');
  });
});

describe('broken copies of the default bundle', () => {
  for (const [name, breakIt] of Object.entries(BREAKAGES)) {
    it(name, async () => {
      const dir = path.join(tmp, name.replace(/\W+/g, '-'));
      copyBundle(BUNDLE, dir);
      try {
        const want = breakIt(dir);
        const r = await loadBundle(dir);
        expect(r.ok).toBe(false);
        if (r.ok) return;
        expect(r.error.kind).toBe(want.kind);
        expect(r.error.file).toBe(want.file);
        expect(r.error.message).toContain(want.file);
        expect(r.error.message).toMatch(want.says);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
