// The real default bundle (media/models/code-gpt2-2l): it loads and agrees with itself (tokenizer vs
// d_vocab, dictionaries vs hooks, cards vs d_sae); copies of it broken in each of the ten ways (plus
// variants) give an error that names the file and the problem, and nothing throws. Figures are read
// from the bundle, never hard-coded (it is replaced when training finishes).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../../src/engine/bundle';
import { checkOnnxStructure } from '../../src/engine/bundle/onnx-check';
import { tokenIndexAt } from '../../src/engine/tokens';
import { BREAKAGES, copyBundle, expectBroken } from '../unit/bundle-fixtures';
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
        expectBroken(await loadBundle(dir), want);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('ONNX structure check on the real model', () => {
  it('accepts the model and rejects it cut at any of 60 points (ends, field boundaries, random)', async () => {
    const src = path.join(BUNDLE, 'model.onnx');
    expect(await checkOnnxStructure(src)).toBeNull();
    const bytes = fs.readFileSync(src);
    const size = bytes.length;
    const cuts = new Set([1, 2, 3, 10, 100, Math.floor(size / 2), size - 100, size - 2, size - 1]);
    // Every top-level field boundary (a cut there leaves a well-formed prefix without later fields).
    for (let pos = 0; pos < size; ) {
      let i = pos, tag = 0, shift = 0;
      for (;;) { const b = bytes[i++]; tag += (b & 0x7f) * 2 ** shift; shift += 7; if (!(b & 0x80)) break; }
      const wire = tag % 8;
      if (wire === 0) { while (bytes[i++] & 0x80); }
      else if (wire === 2) { let len = 0; shift = 0; for (;;) { const b = bytes[i++]; len += (b & 0x7f) * 2 ** shift; shift += 7; if (!(b & 0x80)) break; } i += len; }
      else i += wire === 1 ? 8 : 4;
      pos = i;
      if (pos < size) cuts.add(pos);
    }
    let seed = 7;
    while (cuts.size < 60) { seed = (seed * 1103515245 + 12345) % 2 ** 31; cuts.add(1 + (seed % (size - 1))); }
    const file = path.join(tmp, 'cut.onnx');
    for (const cut of cuts) {
      fs.writeFileSync(file, bytes.subarray(0, cut));
      const problem = await checkOnnxStructure(file);
      expect(problem, `cut at ${cut} of ${size}`).not.toBeNull();
    }
  });
});
