// `npm run bench`'s figures for long files and the workspace index:
// - visible_first_fraction_of_full: a 30,000-token document analysed with a priority range (a screenful,
//   70% of the way down): the time until its partial result arrives, as a fraction of the time a plain
//   analysis of the whole document takes (both from a cold document cache).
// - find_query_ms: one `find` (strongest 100 occurrences of a feature) on a feature index of at least
//   200,000 tokens read back from disk; its files are copies of the 30,000-token analysis under
//   different names (the same occurrences the indexer would store for them), medians over features.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AnalysisResult, Engine } from '../engine';
import { collectOccurrences, FeatureIndexStore, sha256Text } from '../featureIndex';
import { median } from './bench-pytorch';
import { UsageError } from './args';

type Out = (name: string, v: number | string) => void;

const LONG_TOKENS = 30_000;
const INDEX_TOKENS = 200_000;

export async function benchVisibleFirst(engine: Engine, corpus: string, out: Out): Promise<void> {
  let text = corpus;
  while (engine.bundle.tokenizer.encode(text).length < LONG_TOKENS) text += '\n' + corpus;
  const spans = engine.bundle.tokenizer.encode(text);
  text = text.slice(0, spans[LONG_TOKENS].start);
  const opts = { topK: 10, featuresPerToken: 5, hooks: [] as string[] };
  const at = Math.floor(text.length * 0.7);
  const screen = { start: at, end: Math.min(text.length, at + 2500) };

  const t0 = performance.now();
  const whole = await engine.analyze('bench-visible-full', text, opts);
  const fullMs = performance.now() - t0;
  if (!whole.ok) throw new UsageError(`bench: ${whole.error.message}`);
  engine.forget('bench-visible-full');

  let firstMs = NaN;
  const t1 = performance.now();
  const prio = await engine.analyze('bench-visible-prio', text, { ...opts, priorityRange: screen }, undefined, (p) => {
    if (p.partial && Number.isNaN(firstMs)) firstMs = performance.now() - t1;
  });
  const prioMs = performance.now() - t1;
  if (!prio.ok) throw new UsageError(`bench: ${prio.error.message}`);
  engine.forget('bench-visible-prio');
  if (Number.isNaN(firstMs)) throw new UsageError('bench: the visible-first analysis delivered no partial result');
  out('long_document_tokens', whole.value.tokens.length);
  out('long_document_full_ms', fullMs);
  out('visible_first_first_results_ms', firstMs);
  out('visible_first_whole_ms', prioMs);
  out('visible_first_fraction_of_full', firstMs / fullMs);

  await benchFind(text, whole.value, out);
}

async function benchFind(text: string, analysis: AnalysisResult, out: Out): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-bench-index-'));
  try {
    const file = path.join(dir, 'index.sqlite');
    const store = await FeatureIndexStore.open(file, { fingerprint: 'bench', root: dir });
    const occurrences = collectOccurrences(text, analysis.tokens, analysis.hooks);
    const copies = Math.ceil(INDEX_TOKENS / analysis.tokens.length);
    const sha = sha256Text(text);
    const t0 = performance.now();
    for (let i = 0; i < copies; i++) store.replaceFile(`copy-${i}/long.txt`, sha, analysis.tokens.length, occurrences);
    await store.save();
    const writeMs = performance.now() - t0;
    store.close();
    const index = await FeatureIndexStore.read(file);
    const stats = index.stats();
    // The features with the most occurrences are the slowest to query: take them and a spread of others.
    const byCount = [...occurrences].sort((a, b) => b.count - a.count);
    const probes = [...byCount.slice(0, 10), ...byCount.filter((_, i) => i % Math.max(1, Math.floor(byCount.length / 10)) === 0).slice(0, 10)];
    const times: number[] = [];
    for (const p of probes) {
      const q = performance.now();
      const found = index.find(p.hook, p.feature, 100);
      times.push(performance.now() - q);
      if (!found.length) throw new UsageError('bench: find returned nothing for an indexed feature');
    }
    index.close();
    out('index_tokens', stats.tokens);
    out('index_occurrences', stats.occurrences);
    out('index_file_mb', fs.statSync(file).size / 2 ** 20);
    out('index_write_ms', writeMs);
    out('find_query_ms', median(times));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
