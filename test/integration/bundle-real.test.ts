// The real default bundle (media/models/code-gpt2-2l): it loads and agrees with itself (tokenizer vs
// d_vocab, dictionaries vs hooks, cards vs d_sae); copies of it broken in each of the ten ways (plus
// variants and hostile ones) give an error that names the file and the problem, and nothing throws;
// hostile cards are refused without blocking the event loop. Figures are read
// from the bundle, never hard-coded (it is replaced when training finishes).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../../src/engine/bundle';
import { checkOnnxStructure } from '../../src/engine/onnx';
import { tokenIndexAt } from '../../src/engine/tokens';
import { BREAKAGES, copyBundle, expectBroken } from '../unit/bundle-fixtures';
import { expectHostileCardRefused, HOSTILE_CARDS } from '../unit/bundle-hostile-fixtures';
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

describe('the default bundle meets the bars it was built to, by its own recorded evaluation', () => {
  // The figures come from training/build_default_bundle.py, measured on the fp16 weights that ship; a
  // rebuilt bundle that regresses fails here instead of shipping quietly.
  const manifest = () => JSON.parse(fs.readFileSync(path.join(BUNDLE, 'manifest.json'), 'utf8'));

  it('held-out bits per byte below xz -9e on the same files, each >= 20 KB', () => {
    const ev = manifest().evaluation;
    expect(ev.heldout_files).toBeGreaterThanOrEqual(10);
    expect(ev.bits_per_byte).toBeLessThan(ev.xz_9e_bits_per_byte);
    expect(ev.ratio_to_xz).toBeLessThan(1);
    expect(ev.top1_accuracy).toBeGreaterThan(0);
    expect(ev.greedy_continuations.length).toBeGreaterThan(0);
  });

  it('every dictionary: explained variance >= 0.85 at L0 <= 32, dead <= 5%, loss recovered >= 85%', () => {
    const m = manifest();
    const dicts = m.evaluation.dictionaries;
    expect(Object.keys(dicts).sort()).toEqual(m.dictionaries.map((d: { hook_name: string }) => d.hook_name).sort());
    for (const [hook, d] of Object.entries<Record<string, number>>(dicts)) {
      expect({ hook, ev: d.explained_variance_heldout >= 0.85 }).toEqual({ hook, ev: true });
      expect(d.l0_heldout).toBeLessThanOrEqual(32);
      expect(d.dead_fraction).toBeLessThanOrEqual(0.05);
      expect(d.loss_recovered).toBeGreaterThanOrEqual(0.85);
    }
  });

  it('is at most 60 MB, and every file is listed', () => {
    const files = manifest().files as Record<string, { bytes: number }>;
    const listed = Object.values(files).reduce((a, f) => a + f.bytes, 0);
    const onDisk = (dir: string): number =>
      fs.readdirSync(dir, { withFileTypes: true }).reduce((a, e) => a + (e.isDirectory() ? onDisk(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).size), 0);
    const total = onDisk(BUNDLE);
    expect(total - fs.statSync(path.join(BUNDLE, 'manifest.json')).size).toBe(listed);
    expect(total).toBeLessThanOrEqual(60 * 1e6);
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

describe('hostile cards in a copy of the default bundle', () => {
  for (const [name, card] of Object.entries(HOSTILE_CARDS)) {
    it(name, async () => {
      const dir = path.join(tmp, name.replace(/\W+/g, '-'));
      copyBundle(BUNDLE, dir);
      const withCards = (JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')).dictionaries as { hook_name: string; cards?: string }[]).find((d) => d.cards)!;
      try {
        await expectHostileCardRefused(dir, withCards.cards!, withCards.hook_name, card);
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
