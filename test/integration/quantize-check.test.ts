// `activation-inspector quantize-check BUNDLE --text FILE... --write` on a copy of the default bundle whose
// manifest has lost its `encoder` entries: it measures every dictionary on held-out text and writes the
// int8 marks back with figures that meet the bars; the bundle still loads (no file hash changed); nothing
// else in the manifest changes. Without --write the manifest is left as it was.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGREEMENT_BARS, loadBundle } from '../../src/engine';
import { buildCli, realBundle } from './inference-helpers';
import { runCli } from './cli-run';
import { heldOutFiles } from './held-out';

const bundle = realBundle();

type Entry = Record<string, unknown> & { hook_name: string; encoder?: { precision: string; agreement: Record<string, number | string> } };
type ManifestJson = Record<string, unknown> & { dictionaries: Entry[] };

describe.skipIf(!bundle)('quantize-check on a bundle without encoder marks', () => {
  let cli = '';
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-quantize-check-'));
  const copy = path.join(tmp, 'bundle');
  const manifestFile = path.join(copy, 'manifest.json');
  const readManifest = () => JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as ManifestJson;
  let unmarked: ManifestJson;
  const textArgs = () => heldOutFiles().flatMap((f) => ['--text', f]);

  beforeAll(async () => {
    cli = await buildCli();
    fs.cpSync(bundle!, copy, { recursive: true });
    unmarked = readManifest();
    for (const d of unmarked.dictionaries) delete d.encoder;
    fs.writeFileSync(manifestFile, `${JSON.stringify(unmarked, null, 2)}\n`);
  });
  afterAll(() => {
    fs.rmSync(path.dirname(cli), { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('without --write prints the figures and leaves the manifest alone', () => {
    const r = runCli(cli, ['quantize-check', copy, ...textArgs(), '--json'], 300_000);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { tokens: number; written: boolean; hooks: { hook: string; precision: string; meetsBars: boolean }[] };
    expect(report.written).toBe(false);
    expect(report.tokens).toBeGreaterThan(3000);
    expect(report.hooks.map((h) => h.hook).sort()).toEqual(unmarked.dictionaries.map((d) => d.hook_name).sort());
    for (const h of report.hooks) expect(h.precision).toBe('float32');
    expect(readManifest()).toEqual(unmarked);
  });

  it('with --write marks every dictionary int8 with figures that meet the bars, and nothing else changes', async () => {
    const r = runCli(cli, ['quantize-check', copy, ...textArgs(), '--write'], 300_000);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/manifest\.json updated: 3 of 3 encoders marked int8/);
    const marked = readManifest();
    for (const d of marked.dictionaries) {
      expect(d.encoder?.precision, d.hook_name).toBe('int8');
      const a = d.encoder!.agreement;
      expect(a.top1).toBeGreaterThanOrEqual(AGREEMENT_BARS.top1);
      expect(a.top8_overlap).toBeGreaterThanOrEqual(AGREEMENT_BARS.topOverlap);
      expect(a.explained_variance_diff).toBeLessThanOrEqual(AGREEMENT_BARS.explainedVariance);
      expect(a.mean_token_explained_variance_diff).toBeLessThanOrEqual(AGREEMENT_BARS.explainedVariance);
      expect(a.text).toMatch(/held out: .* tokens/);
    }
    const { dictionaries: withMarks, ...restMarked } = marked;
    const { dictionaries: without, ...restUnmarked } = unmarked;
    expect(restMarked).toEqual(restUnmarked);
    expect(withMarks.map(({ encoder: _e, ...d }) => d)).toEqual(without);
    expect(fs.readdirSync(copy).filter((f) => f.includes('.tmp'))).toEqual([]);
    const loaded = await loadBundle(copy);
    expect(loaded.ok, loaded.ok ? '' : loaded.error.message).toBe(true);
  });

  it('refuses to run without held-out text', () => {
    const r = runCli(cli, ['quantize-check', copy]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/needs held-out text: --text FILE/);
  });
});
