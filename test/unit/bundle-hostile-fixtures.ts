// Hostile and inconsistent bundles, applied to a copy of any bundle (synthetic or the real default one):
// files that link outside the bundle, tensors that alias each other, weights too large to encode with,
// manifest figures that disagree with model.onnx's graph, and files over the size limits.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import zlib from 'node:zlib';
import { expect } from 'vitest';
import { BUNDLE_LIMITS, loadBundle } from '../../src/engine/bundle';
import { readSafetensors, writeSafetensors } from '../../src/engine/safetensors';
import { deflateBomb, editManifest, readManifest, replaceCard, resign, rewriteSafetensorsHeader } from './bundle-edits';

export interface HostileBreakage {
  kind: string;
  file: string;
  says: RegExp;
  /** What the message must not contain (content of a file that is not what it claims to be). */
  never?: RegExp;
}

/** Rewrites the first dictionary's labels.json (and its manifest hash); the load must fail naming it. */
function editLabels(dir: string, edit: (labels: Record<string, unknown>) => unknown, says: RegExp): HostileBreakage {
  const rel = `${readManifest(dir).dictionaries[0].cards}/labels.json`;
  const p = path.join(dir, rel);
  fs.writeFileSync(p, JSON.stringify(edit(JSON.parse(fs.readFileSync(p, 'utf8')))));
  resign(dir, [rel]);
  return { kind: 'bad-dictionary', file: rel, says };
}

/** A private file beside the bundle folder (outside it), with content a message must never quote. */
function privateFileBeside(dir: string): string {
  const p = path.join(path.dirname(dir), `${path.basename(dir)}-private.txt`);
  fs.writeFileSync(p, 'PRIVATE-KEY-9f2c do not quote me\n');
  return p;
}

function setArchitecture(dir: string, field: string, value: (old: number) => number): { old: number; now: number } {
  const old = readManifest(dir).architecture[field] as number;
  editManifest(dir, (m) => {
    (m.architecture as Record<string, number>)[field] = value(old);
  });
  return { old, now: value(old) };
}

export const HOSTILE_BREAKAGES: Record<string, (dir: string) => HostileBreakage> = {
  'a file that is a link to a private file outside the bundle': (dir) => {
    const rel = readManifest(dir).tokenizer.file;
    fs.rmSync(path.join(dir, rel));
    fs.symlinkSync(privateFileBeside(dir), path.join(dir, rel));
    resign(dir, [rel]); // the manifest even vouches for the target's bytes
    return { kind: 'unreadable-file', file: rel, says: /outside the bundle folder/, never: /PRIVATE/ };
  },
  'a folder that is a link to a folder outside the bundle': (dir) => {
    const d = readManifest(dir).dictionaries[0];
    const outside = path.join(path.dirname(dir), `${path.basename(dir)}-outside-sae`);
    fs.cpSync(path.join(dir, d.path), outside, { recursive: true });
    fs.rmSync(path.join(dir, d.path), { recursive: true });
    fs.symlinkSync(outside, path.join(dir, d.path));
    const rel = Object.keys(readManifest(dir).files).find((f) => f.startsWith(`${d.path}/`))!; // the first one checked
    return { kind: 'unreadable-file', file: rel, says: /outside the bundle folder/ };
  },
  'a manifest.json that is a link outside the bundle': (dir) => {
    const p = path.join(dir, 'manifest.json');
    const outside = privateFileBeside(dir);
    fs.rmSync(p);
    fs.symlinkSync(outside, p);
    return { kind: 'unreadable-file', file: 'manifest.json', says: /outside the bundle folder/, never: /PRIVATE/ };
  },
  'a manifest.json that is a FIFO (reading it would wait for a writer forever)': (dir) => {
    const p = path.join(dir, 'manifest.json');
    fs.rmSync(p);
    execFileSync('mkfifo', [p]);
    return { kind: 'unreadable-file', file: 'manifest.json', says: /not a regular file/ };
  },
  'a tokenizer.json that is not JSON (its content is not quoted)': (dir) => {
    const rel = readManifest(dir).tokenizer.file;
    fs.writeFileSync(path.join(dir, rel), 'PRIVATE-KEY-9f2c do not quote me\n');
    resign(dir, [rel]);
    return { kind: 'bad-tokenizer', file: rel, says: /not valid JSON/, never: /PRIVATE/ };
  },
  'overlapping tensors (b_enc aliases W_enc)': (dir) => {
    const rel = `${readManifest(dir).dictionaries[0].path}/sae_weights.safetensors`;
    rewriteSafetensorsHeader(path.join(dir, rel), (e) => {
      const size = e.b_enc.data_offsets[1] - e.b_enc.data_offsets[0];
      e.b_enc.data_offsets = [e.W_enc.data_offsets[0], e.W_enc.data_offsets[0] + size];
    });
    resign(dir, [rel]);
    return { kind: 'bad-dictionary', file: rel, says: /"W_enc" \[\d+,\d+\] and "b_enc" \[\d+,\d+\] have overlapping data_offsets/ };
  },
  'dictionary weights too large for float32 activations (3e38)': (dir) => {
    const rel = `${readManifest(dir).dictionaries[0].path}/sae_weights.safetensors`;
    const p = path.join(dir, rel);
    const t = readSafetensors(fs.readFileSync(p));
    if (!t.ok) throw new Error(t.message);
    const tensors = [...t.value].map(([name, x]) => ({ name, shape: x.shape, data: x.data }));
    tensors.find((x) => x.name === 'W_enc')!.data[3] = 3e38; // finite in float32, as F32 weights may hold
    fs.writeFileSync(p, writeSafetensors(tensors));
    resign(dir, [rel]);
    return { kind: 'nan-weights', file: rel, says: /W_enc holds (2\.99|3\.00)\d*e\+38 at flat index 3; weights beyond ±100000000 overflow/ };
  },
  'n_ctx of 1 (windows would never advance)': (dir) => {
    setArchitecture(dir, 'n_ctx', () => 1);
    return { kind: 'bad-manifest', file: 'manifest.json', says: /architecture\.n_ctx is 1; a model needs a context of at least 2 tokens/ };
  },
  'n_ctx beyond the graph position table': (dir) => {
    const { now } = setArchitecture(dir, 'n_ctx', (n) => n + 1);
    return { kind: 'bad-manifest', file: 'manifest.json', says: new RegExp(`architecture\\.n_ctx is ${now} but model\\.onnx's position table \\S*wpe\\S* has ${now - 1} rows`) };
  },
  'n_layers that disagrees with the graph': (dir) => {
    const { old, now } = setArchitecture(dir, 'n_layers', (n) => n + 1);
    return { kind: 'bad-manifest', file: 'manifest.json', says: new RegExp(`architecture\\.n_layers is ${now} but model\\.onnx takes a KV cache for ${old} layers`) };
  },
  'n_heads that disagrees with the graph': (dir) => {
    const { old, now } = setArchitecture(dir, 'n_heads', (n) => n * 2);
    return { kind: 'bad-manifest', file: 'manifest.json', says: new RegExp(`architecture\\.n_heads is ${now} but model\\.onnx's past_key_0 has ${old} heads`) };
  },
  'd_head that disagrees with the graph': (dir) => {
    const { old, now } = setArchitecture(dir, 'd_head', (n) => n + 1);
    return { kind: 'bad-manifest', file: 'manifest.json', says: new RegExp(`architecture\\.d_head is ${now} but model\\.onnx's past_key_0 has d_head ${old}`) };
  },
  'topk_max that disagrees with the graph': (dir) => {
    const old = readManifest(dir).model.topk_max;
    editManifest(dir, (m) => {
      (m.model as { topk_max: number }).topk_max = old - 1;
    });
    return { kind: 'bad-manifest', file: 'manifest.json', says: new RegExp(`model\\.topk_max is ${old - 1} but model\\.onnx's topk_ids holds ${old} predictions per token`) };
  },
  'a hook width that disagrees with the graph': (dir) => {
    editManifest(dir, (m) => {
      const hooks = (m.model as { hooks: { name: string; d: number }[] }).hooks;
      hooks[hooks.length - 1].d += 1;
    });
    return { kind: 'bad-manifest', file: 'manifest.json', says: /model\.hooks gives \S+ d \d+ but model\.onnx's output is \d+ wide/ };
  },
  'labels.json over the size limit': (dir) => {
    const rel = `${readManifest(dir).dictionaries[0].cards}/labels.json`;
    const p = path.join(dir, rel);
    // Still valid JSON: the limit is on bytes, checked before parsing.
    fs.writeFileSync(p, fs.readFileSync(p, 'utf8') + ' '.repeat(BUNDLE_LIMITS.labelsBytes));
    resign(dir, [rel]);
    return { kind: 'unreadable-file', file: rel, says: new RegExp(`the limit for this file is ${BUNDLE_LIMITS.labelsBytes} bytes`) };
  },
  // labels.json's per-feature arrays (issue 14): each optional, but when present exactly d_sae values of
  // the right type, refused naming the file.
  'labels.json "score" one short': (dir) => editLabels(dir, (l) => ({ ...l, score: (l.labels as unknown[]).slice(1).map(() => 0.5) }), /"score" must be \d+ numbers in 0\.\.1/),
  'labels.json "score" above 1': (dir) => editLabels(dir, (l) => ({ ...l, score: (l.labels as unknown[]).map((_, i) => (i === 0 ? 1.5 : 0.5)) }), /"score" must be \d+ numbers in 0\.\.1/),
  'labels.json "positional" as numbers': (dir) => editLabels(dir, (l) => ({ ...l, positional: (l.labels as unknown[]).map(() => 0) }), /"positional" must be \d+ booleans/),
  'labels.json "typical_activation" negative': (dir) => editLabels(dir, (l) => ({ ...l, typical_activation: (l.labels as unknown[]).map((_, i) => (i === 1 ? -1 : 1)) }), /"typical_activation" must be \d+ non-negative numbers/),
  'labels.json "typical_activation" as strings': (dir) => editLabels(dir, (l) => ({ ...l, typical_activation: (l.labels as unknown[]).map(() => '1') }), /"typical_activation" must be \d+ non-negative numbers/),
  'labels.json "readable_threshold" not a number': (dir) => editLabels(dir, (l) => ({ ...l, readable_threshold: '0.5' }), /"readable_threshold" must be a number in 0\.\.1/),
  'labels.json "density" an object': (dir) => editLabels(dir, (l) => ({ ...l, density: { 0: 0.1 } }), /"density" must be \d+ numbers/),
  'labels.json an array': (dir) => editLabels(dir, (l) => [l], /has no "labels" array of strings/),
  'a card stored in more bytes than a card may take': (dir) => {
    const cards = readManifest(dir).dictionaries[0].cards!;
    replaceCard(dir, cards, 1, crypto.randomBytes(BUNDLE_LIMITS.cardBytes + 1));
    return { kind: 'bad-dictionary', file: `${cards}/cards.offsets`, says: new RegExp(`card 1 is stored in ${BUNDLE_LIMITS.cardBytes + 1} bytes; a card may take at most ${BUNDLE_LIMITS.cardBytes}`) };
  },
};

export interface HostileCard {
  /** The stored blob for the card (cards.bin, raw deflate). */
  blob: (index: number) => Buffer;
  says: RegExp;
  never?: RegExp;
}

/** Cards that getCard must refuse with a message naming cards.bin, without blocking the event loop. */
export const HOSTILE_CARDS: Record<string, HostileCard> = {
  // 200 KB stored, 200 MB inflated: one 200 MB string (a synchronous inflate + parse blocks for ~0.6 s).
  'a card that inflates to 200 MB': {
    blob: (index) => deflateBomb(`{"index":${index},"label":"`, 'a'.repeat(1 << 20), 200, '"}'),
    says: new RegExp(`inflates to more than ${BUNDLE_LIMITS.cardBytes} bytes, the limit for one card`),
  },
  'a card that is not JSON (its content is not quoted)': {
    blob: () => zlib.deflateRawSync(Buffer.from('PRIVATE-KEY-9f2c do not quote me')),
    says: /is not valid JSON/,
    never: /PRIVATE/,
  },
};

/**
 * Puts `card` at feature 2 of `cardsDir` in the bundle copy `dir`, loads it, and checks getCard refuses
 * it (naming cards.bin) while the event loop's longest wait stays under 200 ms, and feature 1 still reads.
 */
export async function expectHostileCardRefused(dir: string, cardsDir: string, hook: string, card: HostileCard): Promise<void> {
  replaceCard(dir, cardsDir, 2, card.blob(2));
  const loaded = await loadBundle(dir);
  if (!loaded.ok) throw new Error(loaded.error.message);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const r = await loaded.value.cards.getCard(hook, 2);
  delay.disable();
  expect(r.ok).toBe(false);
  if (!r.ok) {
    expect(r.error.kind).toBe('bad-dictionary');
    expect(r.error.file).toBe(`${cardsDir}/cards.bin`);
    expect(r.error.message).toContain(`${cardsDir}/cards.bin`);
    expect(r.error.message).toMatch(card.says);
    if (card.never) expect(r.error.message).not.toMatch(card.never);
  }
  expect(delay.max / 1e6, 'longest event-loop wait (ms) while the card was read').toBeLessThan(200);
  const other = await loaded.value.cards.getCard(hook, 1);
  expect(other.ok && other.value.index).toBe(1);
}
