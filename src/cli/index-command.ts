// `activation-inspector index FOLDER [--db FILE]`: builds or brings up to date the persistent feature
// index of a folder (src/featureIndex, docs/feature-index.md). Files whose content and model are
// unchanged are not analysed again; the database is written atomically as it goes, so a killed run
// leaves an index the next run completes.
import path from 'node:path';
import fs from 'node:fs';
import { FeatureIndexStore, indexFingerprint, listIndexableFiles, updateIndex, type IndexFile } from '../featureIndex';
import { escapeInvisible } from '../shared/present';
import { inputOptions, intArg, listArg, maxBytesArg, orderArg, parse, readTextFile, stringArg, UsageError } from './args';
import { openEngine } from './open-engine';

export const INDEX_USAGE = `activation-inspector index FOLDER [--db FILE] [--features N] [--order unusual|activation] [--hooks H,...] [--json]
                             [--checkpoint-ms N] [--model DIR] [--sae DIR]... [--threads N] [--max-bytes N] [--progress]`;

/** Where index and find keep the database unless --db says otherwise. */
export const DEFAULT_INDEX_DB = path.join('.activation-inspector', 'feature-index.sqlite');

/** Occurrences are the tokens' reported features: the same default as the extension's featuresPerToken. */
export const DEFAULT_INDEX_FEATURES = 5;

export async function indexCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    db: { type: 'string' },
    features: { type: 'string' },
    order: { type: 'string' },
    hooks: { type: 'string', multiple: true },
    json: { type: 'boolean' },
    progress: { type: 'boolean' },
    'checkpoint-ms': { type: 'string' },
    ...inputOptions,
  });
  if (values.help) {
    console.log(INDEX_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`index takes one FOLDER (usage: ${INDEX_USAGE.split('\n')[0]})`);
  const root = path.resolve(positionals[0]);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new UsageError(`${escapeInvisible(positionals[0])} is not a folder`);
  const dbFile = path.resolve(stringArg(values.db) ?? DEFAULT_INDEX_DB);
  const maxBytes = maxBytesArg(values);
  const featuresPerToken = intArg(values.features, 'features', DEFAULT_INDEX_FEATURES, 1, 1000);
  // The order decides which of a token's active features are listed, so which are occurrences.
  const featureOrder = orderArg(values.order);
  const dbRel = path.relative(root, dbFile).split(path.sep).join('/');
  const paths = await listIndexableFiles(root, { maxBytes, accept: (rel) => rel !== dbRel && !rel.startsWith(`${dbRel}.`) && !rel.startsWith('.activation-inspector/') });
  const engine = await openEngine(values);
  try {
    const hooks = listArg(values.hooks);
    for (const h of hooks) if (!engine.info.hooks.includes(h)) throw new UsageError(`--hooks: no dictionary for ${h} (have: ${engine.info.hooks.join(', ')})`);
    const fingerprint = indexFingerprint(engine.provenance(), { featuresPerToken, featureOrder, hooks: hooks.length ? hooks : engine.info.hooks });
    const store = await FeatureIndexStore.open(dbFile, { fingerprint, root });
    if (store.notice) process.stderr.write(`activation-inspector: ${escapeInvisible(store.notice)}\n`);
    const files: IndexFile[] = paths.map((rel) => ({
      path: rel,
      read: async () => {
        try {
          return readTextFile(path.join(root, rel), maxBytes).text;
        } catch {
          return null; // binary, not UTF-8, grew past the limit: not indexed
        }
      },
    }));
    const report = await updateIndex(store, files, {
      analyze: (key, text, signal) => engine.analyze(key, text, { topK: 1, featuresPerToken, featureOrder, hooks }, signal),
      forget: (key) => engine.forget(key),
    }, {
      saveEveryMs: intArg(values['checkpoint-ms'], 'checkpoint-ms', 2000, 0, 3_600_000),
      onProgress: values.progress ? (p) => process.stderr.write(`indexing ${p.done}/${p.total} ${escapeInvisible(p.path)}\n`) : undefined,
    });
    const stats = store.stats();
    store.close();
    for (const f of report.failed) process.stderr.write(`activation-inspector: ${escapeInvisible(f.path)}: ${escapeInvisible(f.message)}\n`);
    if (values.json) {
      console.log(JSON.stringify({ db: dbFile, root, analysed: report.analysed, unchanged: report.unchanged, removed: report.removed, failed: report.failed, rebuilt: store.notice ?? null, ...stats }));
    } else {
      console.log(
        `indexed ${stats.files} files of ${escapeInvisible(root)} into ${escapeInvisible(dbFile)}: ${report.analysed.length} analysed, ${report.unchanged} unchanged, ` +
          `${report.removed.length} removed, ${report.failed.length} failed; ${stats.tokens} tokens, ${stats.features} features, ${stats.occurrences} occurrences kept`,
      );
    }
    return report.failed.length ? 1 : 0;
  } finally {
    await engine.dispose();
  }
}
