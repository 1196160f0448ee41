// Card contexts stored as token offsets into cards/tokens.bin (manifest "card_tokens"): the card store
// turns them into token texts with the bundle's tokenizer; a context that points outside the file, spans
// too much or holds an id outside the vocabulary is refused naming the file, and the other cards still read.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../../src/engine/bundle';
import { SYN_HOOKS, copyBundle, writeSyntheticBundle } from './bundle-fixtures';
import { editManifest, replaceCard, resign } from './bundle-edits';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-card-tokens-'));
const plain = path.join(tmp, 'plain');
const hook = SYN_HOOKS[0].name;
const cardsDir = `cards/${hook}`;
beforeAll(() => writeSyntheticBundle(plain));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of the synthetic bundle with cards/tokens.bin holding `ids` and card 3 stored with `contexts`. */
async function withStoredContexts(name: string, ids: number[], card: Record<string, unknown>, listToken = true) {
  const dir = path.join(tmp, name);
  copyBundle(plain, dir);
  const bin = Buffer.alloc(2 * ids.length);
  ids.forEach((id, i) => bin.writeUInt16LE(id, 2 * i));
  fs.writeFileSync(path.join(dir, 'cards/tokens.bin'), bin);
  editManifest(dir, (m) => {
    if (listToken) m.card_tokens = 'cards/tokens.bin';
    (m.files as Record<string, unknown>)['cards/tokens.bin'] = { sha256: '', bytes: 0 };
  });
  resign(dir);
  replaceCard(dir, cardsDir, 3, zlib.deflateRawSync(Buffer.from(JSON.stringify({ index: 3, label: 'x', density: 0, max_activation: 1, mean_activation: 1, ...card }))));
  const b = await loadBundle(dir);
  if (!b.ok) throw new Error(b.error.message);
  return b.value;
}

describe('card contexts stored as token offsets', () => {
  it('become token texts, in top contexts and interval examples alike', async () => {
    const probe = await loadBundle(plain);
    if (!probe.ok) throw new Error(probe.error.message);
    const tok = probe.value.tokenizer;
    const ids = tok.encode('def add(a, b):\n    return a + b\n').map((t) => t.id);
    const b = await withStoredContexts('good', ids, {
      top_contexts: [{ at: [0, 4], index: 2, activation: 2.5 }],
      quantiles: [{ from: 0, to: 1, share: 1, contexts: [{ at: [1, ids.length], index: 0, activation: 0.5 }] }],
    });
    const c = await b.cards.getCard(hook, 3);
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    const top = c.value.top_contexts ?? [];
    expect(top[0]).toEqual({ tokens: ids.slice(0, 4).map((id) => tok.idToText(id)), index: 2, activation: 2.5 });
    expect(top[0].tokens.join('')).toBe('def add(a');
    const q = (c.value.quantiles as { contexts: { tokens: string[] }[] }[])[0].contexts[0];
    expect(q.tokens.join('')).toBe(' add(a, b):\n    return a + b\n');
    // Cards stored with their texts are untouched.
    const other = await b.cards.getCard(hook, 2);
    expect(other.ok).toBe(true);
  });

  const hostile: Record<string, [Record<string, unknown>, RegExp]> = {
    'offsets past the end of the file': [{ top_contexts: [{ at: [2, 99], index: 0, activation: 1 }] }, /outside cards\/tokens\.bin \(5 tokens\)/],
    'an empty span': [{ top_contexts: [{ at: [3, 3], index: 0, activation: 1 }] }, /spans tokens 3\.\.3/],
    'no [start, end] pair': [{ quantiles: [{ from: 0, to: 1, share: 1, contexts: [{ at: 'x', index: 0, activation: 1 }] }] }, /no \[start, end\]/],
    'an id outside the vocabulary': [{ top_contexts: [{ at: [4, 5], index: 0, activation: 1 }] }, /outside the vocabulary/],
  };
  for (const [name, [card, message]] of Object.entries(hostile)) {
    it(`refuses ${name}, naming the file; other cards still read`, async () => {
      const b = await withStoredContexts(name.replace(/\W+/g, '-'), [1, 2, 3, 4, 65535], card);
      const c = await b.cards.getCard(hook, 3);
      expect(c.ok).toBe(false);
      if (!c.ok) {
        expect(c.error.kind).toBe('bad-dictionary');
        expect(c.error.message).toMatch(message);
      }
      expect((await b.cards.getCard(hook, 4)).ok).toBe(true);
    });
  }

  it('gives promoted and suppressed tokens stored by id their text; refuses an id outside the vocabulary', async () => {
    const b = await withStoredContexts('by-id', [1, 2, 3], { promoted: [{ id: 5, logit: 0.5 }], suppressed: [{ id: 7, text: 'kept', logit: -0.5 }] });
    const c = await b.cards.getCard(hook, 3);
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    expect(c.value.promoted?.[0].text).toBe(b.tokenizer.idToText(5));
    expect(c.value.suppressed?.[0].text).toBe('kept');
    const bad = await withStoredContexts('by-bad-id', [1, 2, 3], { promoted: [{ id: 1e6, logit: 0.5 }] });
    const r = await bad.cards.getCard(hook, 3);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/promoted token has no text/);
  });

  it('refuses offsets when the manifest names no token file', async () => {
    const b = await withStoredContexts('unnamed', [1, 2, 3], { top_contexts: [{ at: [0, 2], index: 0, activation: 1 }] }, false);
    const c = await b.cards.getCard(hook, 3);
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.error.message).toMatch(/names none \("card_tokens"\)/);
  });
});
