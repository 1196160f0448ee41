// Bundle loading on a synthetic bundle: a good one loads with everything in place; each kind of damage
// gives an error value naming the file and the problem, and nothing throws.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_LIMITS, loadBundle, loadSaeFolder, normalizeSaeConfig } from '../../src/engine/bundle';
import { BREAKAGES, SYN_HOOKS, SYN_LABEL_FACTS, copyBundle, expectBroken, writeSyntheticBundle } from './bundle-fixtures';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-bundle-'));
const good = path.join(tmp, 'good');
beforeAll(() => writeSyntheticBundle(good));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('a good bundle', () => {
  it('loads tokenizer, hashes, dictionaries (v6 topk + pre-v6 jumprelu) and cards', async () => {
    const r = await loadBundle(good);
    if (!r.ok) throw new Error(r.error.message);
    const b = r.value;
    expect(b.manifest.id).toBe('synthetic-test');
    expect(b.tokenizer.vocabSize).toBe(b.manifest.architecture.d_vocab);
    expect(b.modelPath).toBe(path.join(good, 'model.onnx'));
    expect(b.modelSha256).toBe(b.manifest.files['model.onnx'].sha256);
    expect(b.tokenizerSha256).toBe(b.manifest.files['tokenizer.json'].sha256);
    expect(b.hooks).toEqual(SYN_HOOKS);
    const [d0, d1] = b.dictionaries;
    expect(d0.cfg).toMatchObject({ hook_name: SYN_HOOKS[0].name, architecture: 'topk', d_in: 8, d_sae: 16, k: 4, apply_b_dec_to_input: true, normalize_activations: 'none' });
    expect(d0.weights.W_enc.length).toBe(8 * 16);
    expect(d0.weights.W_enc[1]).toBeCloseTo(Math.sin(1) * 0.3, 6);
    expect(d0.sha256).toBe(b.manifest.files[`saes/${SYN_HOOKS[0].name}/sae_weights.safetensors`].sha256);
    expect(d0.labels?.[3]).toBe('feature 3 ✓');
    expect(d0.density?.[2]).toBeCloseTo(0.02);
    expect(d1.cfg).toMatchObject({ architecture: 'jumprelu', d_sae: 12, apply_b_dec_to_input: false });
    expect(d1.weights.threshold?.length).toBe(12);
    expect(d1.labels).toBeUndefined();
    expect(b.cards.hooks).toEqual([SYN_HOOKS[0].name]);
    expect(b.cards.label(SYN_HOOKS[0].name, 5)).toBe('feature 5 ✓');
    const card = await b.cards.getCard(SYN_HOOKS[0].name, 7);
    expect(card.ok && card.value).toMatchObject({ index: 7, label: 'feature 7 ✓', max_activation: 7 });
    const last = await b.cards.getCard(SYN_HOOKS[0].name, 15);
    expect(last.ok && last.value.index).toBe(15);
    const out = await b.cards.getCard(SYN_HOOKS[0].name, 16);
    expect(out.ok === false && out.error.kind).toBe('bad-input');
    const none = await b.cards.getCard(SYN_HOOKS[1].name, 0);
    expect(none.ok).toBe(false);
  });

  it("exposes labels.json's per-feature arrays on the dictionary (score, positional, typical activation, readable threshold)", async () => {
    const r = await loadBundle(good);
    if (!r.ok) throw new Error(r.error.message);
    const [d0, d1] = r.value.dictionaries;
    expect(d0.score).toEqual(Array.from({ length: 16 }, (_, i) => SYN_LABEL_FACTS.score(i)));
    expect(d0.positional).toEqual(Array.from({ length: 16 }, (_, i) => SYN_LABEL_FACTS.positional(i)));
    expect(d0.typicalActivation).toEqual(Array.from({ length: 16 }, (_, i) => SYN_LABEL_FACTS.typical_activation(i)));
    expect(d0.readableThreshold).toBe(SYN_LABEL_FACTS.readable_threshold);
    expect(d1.score ?? d1.positional ?? d1.typicalActivation ?? d1.readableThreshold).toBeUndefined();
  });

  it('loads labels.json without them (bundles made before they existed)', async () => {
    const dir = path.join(tmp, 'old-labels');
    writeSyntheticBundle(dir, { oldLabels: true });
    const r = await loadBundle(dir);
    if (!r.ok) throw new Error(r.error.message);
    const d0 = r.value.dictionaries[0];
    expect(d0.labels?.[3]).toBe('feature 3 ✓');
    expect(d0.density?.[2]).toBeCloseTo(0.02);
    expect(d0.score ?? d0.positional ?? d0.typicalActivation ?? d0.readableThreshold).toBeUndefined();
  });

  it('reads the older cards.jsonl layout too', async () => {
    const dir = path.join(tmp, 'jsonl-cards');
    writeSyntheticBundle(dir, { cardsFormat: 'jsonl' });
    const r = await loadBundle(dir);
    if (!r.ok) throw new Error(r.error.message);
    const card = await r.value.cards.getCard(SYN_HOOKS[0].name, 9);
    expect(card.ok && card.value).toMatchObject({ index: 9, label: 'feature 9 ✓' });
  });

  it('a damaged card is an error value naming cards.bin', async () => {
    const dir = path.join(tmp, 'bad-card');
    copyBundle(good, dir);
    const p = path.join(dir, 'cards', SYN_HOOKS[0].name, 'cards.bin');
    const buf = fs.readFileSync(p);
    buf.fill(0xff, 0, 8); // first card's deflate data: garbage
    fs.writeFileSync(p, buf);
    const r = await loadBundle(dir, { verifyChecksums: false });
    if (!r.ok) throw new Error(r.error.message);
    const card = await r.value.cards.getCard(SYN_HOOKS[0].name, 0);
    expect(card.ok).toBe(false);
    if (!card.ok) {
      expect(card.error.kind).toBe('bad-dictionary');
      expect(card.error.file).toBe(`cards/${SYN_HOOKS[0].name}/cards.bin`);
    }
    const other = await r.value.cards.getCard(SYN_HOOKS[0].name, 3);
    expect(other.ok).toBe(true);
  });

  it('a file damaged after a successful load is caught on the next load (hash cache keys on mtime)', async () => {
    const dir = path.join(tmp, 'reload');
    copyBundle(good, dir);
    expect((await loadBundle(dir)).ok).toBe(true);
    const p = path.join(dir, 'parity.json');
    fs.writeFileSync(p, '[]'); // same size as '{}'
    const r = await loadBundle(dir);
    expect(r.ok === false && r.error.kind).toBe('checksum-mismatch');
    expect(r.ok === false && r.error.file).toBe('parity.json');
  });

  it('loads through a link to the bundle folder, and with links that stay inside it', async () => {
    const link = path.join(tmp, 'link-to-good');
    fs.symlinkSync(good, link);
    expect((await loadBundle(link)).ok).toBe(true);
    const dir = path.join(tmp, 'inner-links');
    copyBundle(good, dir);
    fs.renameSync(path.join(dir, 'parity.json'), path.join(dir, 'saes', 'parity-real.json'));
    fs.symlinkSync(path.join('saes', 'parity-real.json'), path.join(dir, 'parity.json'));
    const r = await loadBundle(dir);
    expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
  });

  it('a folder that does not exist is an error value', async () => {
    const r = await loadBundle(path.join(tmp, 'nope'));
    expect(r.ok === false && r.error.kind).toBe('missing-file');
  });
});

describe('broken bundles: each names the file and the problem', () => {
  for (const [name, breakIt] of Object.entries(BREAKAGES)) {
    it(name, async () => {
      const dir = path.join(tmp, name.replace(/\W+/g, '-'));
      copyBundle(good, dir);
      const want = breakIt(dir);
      expectBroken(await loadBundle(dir), want);
    });
  }
});

describe('limits', () => {
  it('docs/bundle-format.md states each size limit the loader applies', () => {
    const doc = fs.readFileSync(path.resolve(__dirname, '../../docs/bundle-format.md'), 'utf8');
    const mib = (bytes: number) => `${bytes / 1024 / 1024} MiB`;
    expect(doc).toContain(`| \`manifest.json\` | ${mib(BUNDLE_LIMITS.manifestBytes)} |`);
    expect(doc).toContain(`| \`tokenizer.json\` | ${mib(BUNDLE_LIMITS.tokenizerBytes)} |`);
    expect(doc).toContain(`| \`saes/<hook>/cfg.json\` | ${mib(BUNDLE_LIMITS.saeConfigBytes)} |`);
    expect(doc).toContain(`| \`cards/<hook>/labels.json\` | ${mib(BUNDLE_LIMITS.labelsBytes)} |`);
    expect(doc).toContain(`${mib(BUNDLE_LIMITS.cardBytes)} stored, and ${mib(BUNDLE_LIMITS.cardBytes)} once inflated`);
    expect(doc).toContain(`| \`cards.dict\` | ${BUNDLE_LIMITS.cardsDictionaryBytes / 1024} KiB`);
    expect(doc).toContain('at most 1e8 in magnitude');
    expect(BUNDLE_LIMITS.dictionaryWeightAbs).toBe(1e8);
  });
});

describe('SAELens folders outside the bundle (--sae)', () => {
  it('loads a folder and checks it against the hook width', async () => {
    const dir = path.join(good, 'saes', SYN_HOOKS[0].name);
    const r = await loadSaeFolder(dir, { expectedD: 8 });
    expect(r.ok && r.value.source).toBe('folder');
    const wrong = await loadSaeFolder(dir, { expectedD: 9 });
    expect(wrong.ok === false && wrong.error.kind).toBe('bad-dictionary');
    if (!wrong.ok) expect(wrong.error.file).toBe(path.join(dir, 'cfg.json'));
    const missing = await loadSaeFolder(path.join(tmp, 'no-such-sae'));
    expect(missing.ok === false && missing.error.kind).toBe('missing-file');
  });
});

describe('SAELens config normalization', () => {
  const base = { d_in: 8, d_sae: 16 };
  it.each([
    ['v6 standard', { ...base, architecture: 'standard', metadata: { hook_name: 'h' } }, { architecture: 'standard', hook_name: 'h', apply_b_dec_to_input: true }],
    ['v6 topk', { ...base, architecture: 'topk', k: 3, metadata: { hook_name: 'h' } }, { architecture: 'topk', k: 3 }],
    ['pre-v6 relu via hook_point', { ...base, hook_point: 'hp', activation_fn_str: 'relu', apply_b_dec_to_input: false }, { architecture: 'standard', hook_name: 'hp', apply_b_dec_to_input: false }],
    ['pre-v6 topk via activation_fn_kwargs', { ...base, hook_name: 'hn', activation_fn_str: 'topk', activation_fn_kwargs: { k: 5 } }, { architecture: 'topk', k: 5, hook_name: 'hn' }],
    ['pre-v6 standard + topk activation', { ...base, hook_name: 'hn', architecture: 'standard', activation_fn_str: 'topk', activation_fn_kwargs: { k: 2 } }, { architecture: 'topk', k: 2 }],
    ['normalize_activations', { ...base, hook_name: 'h', normalize_activations: 'expected_average_only_in' }, { normalize_activations: 'expected_average_only_in' }],
  ])('%s', (_n, cfg, want) => {
    const r = normalizeSaeConfig(cfg);
    expect(r.ok && r.value).toMatchObject(want);
  });

  it.each([
    ['no hook', { ...base }, /names no hook/],
    ['topk without k', { ...base, hook_name: 'h', architecture: 'topk' }, /k undefined/],
    ['k above d_sae', { ...base, hook_name: 'h', architecture: 'topk', k: 99 }, /k 99/],
    ['gated', { ...base, hook_name: 'h', architecture: 'gated' }, /gated/],
    ['d_in not a number', { d_in: '8', d_sae: 16, hook_name: 'h' }, /d_in "8"/],
    ['layer_norm normalization', { ...base, hook_name: 'h', normalize_activations: 'layer_norm' }, /layer_norm/],
    ['unknown activation', { ...base, hook_name: 'h', activation_fn_str: 'tanh-relu' }, /tanh-relu/],
    ['a 100,000-character architecture (quoted cut short)', { ...base, hook_name: 'h', architecture: 'x'.repeat(100_000) }, /^has architecture "x{59}…; supported/],
  ])('rejects %s', (_n, cfg, says) => {
    const r = normalizeSaeConfig(cfg);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(says);
    if (!r.ok) expect(r.message.length).toBeLessThan(200);
  });
});
