// `activation-inspector analyze FILE`: a snapshot (--out) or a readable per-token table.
import path from 'node:path';
import { buildSnapshot, checkSnapshotTargets, writeSnapshotAtomic, type AnalysisResult, type Engine, type HookActivations } from '../engine';
import { featureTags, unusualRatio } from '../shared/featureDensity';
import { displayRank, escapeInvisible, formatNumber, formatProb, labelWithScore, shortHook, visibleToken } from '../shared/present';
import { inputOptions, intArg, listArg, maxBytesArg, oneFile, orderArg, parse, readTextFile, stringArg, UsageError } from './args';
import { progressReporter } from './progress';
import { LANGUAGES } from '../shared/languages';
import { openEngine } from './open-engine';
import { checkEdits, editArgs, editOption, formatEditedTable } from './edits';

export const ANALYZE_USAGE = `activation-inspector analyze FILE [--model DIR] [--top-k N] [--features N] [--order unusual|activation]
                             [--hooks H,...] [--sae DIR]... [--include-activations] [--out SNAPSHOT.json] [--threads N]
                             [--max-bytes N] [--progress] [--edit HOOK:FEATURE=SPEC[@START-END]]...`;

function pad(s: string, n: number): string {
  return s.length >= n ? s.slice(0, n - 1) + '…' : s + ' '.repeat(n - s.length);
}

/** What the table needs of the engine: feature labels and densities, and (when the bundle says) the
 *  label's score and whether it is readable, whether a feature is positional and its typical activation. */
export type FeatureInfo = Pick<Engine, 'featureLabel' | 'featureDensity'> & Partial<Pick<Engine, 'featureFacts'>>;

export { orderArg };

/**
 * One line per token. Tokens read as in the hover and the panel (src/shared/present.ts), so a line
 * never breaks and nothing raw reaches the terminal; labels are quoted as JSON strings, with what
 * JSON leaves raw (C1 controls, bidi and other invisible characters) escaped too, and given with their
 * score in the hover's and the panel's wording (`"label" (score 0.62)`, below the bundle's readable
 * threshold `unclear (score 0.21) — best guess: "label"`). Features are listed in
 * the analysis's order (--order), each with its raw activation, then `×R` (R = activation / the feature's
 * typical activation) where the bundle gives that, and tagged `[dense N%]` / `[positional]`.
 */
export function formatTable(engine: FeatureInfo, r: AnalysisResult, maxFeatures = 3): string {
  return [...tableLines(engine, r, maxFeatures)].join('\n');
}

/** formatTable's lines one at a time: a table of 100,000 tokens is printed without building it whole. */
export function* tableLines(engine: FeatureInfo, r: AnalysisResult, maxFeatures = 3): Generator<string> {
  yield `${pad('#', 6)}${pad('token', 18)}${pad('p', 10)}${pad('rank', 9)}${pad('top predictions', 44)}features`;
  for (const [i, t] of r.tokens.entries()) {
    const p = t.logprob === null ? '-' : formatProb(Math.exp(t.logprob));
    const rank = t.rank === null ? '-' : displayRank(t.rank);
    const top = t.topk.slice(0, 3).map((e) => `${visibleToken(e.text)} ${formatProb(e.prob)}`).join('  ');
    const feats = r.hooks
      .map((h) => {
        const hits = t.features[h].slice(0, maxFeatures).map((f) => {
          const label = engine.featureLabel(h, f.index);
          const facts = engine.featureFacts?.(h, f.index);
          const density = engine.featureDensity(h, f.index);
          const tags = featureTags(density, facts?.positional).map((t) => ` [${t}]`).join('');
          const ratio = unusualRatio(f.activation, facts?.typicalActivation);
          // The label stays a JSON string inside the shared wording, so a label that itself reads
          // "(score …)" cannot pass for the score.
          const named = label ? ` ${escapeInvisible(labelWithScore(JSON.stringify(label), { score: facts?.score, readable: facts?.readable, density }))}` : '';
          return `#${f.index}${named}${tags} ${formatNumber(f.activation)}${ratio !== undefined ? ` ×${formatNumber(ratio, 1)}` : ''}`;
        });
        return hits.length ? `${shortHook(h)}: ${hits.join(', ')}` : '';
      })
      .filter(Boolean)
      .join(' | ');
    yield `${pad(String(i), 6)}${pad(visibleToken(t.text), 18)}${pad(p, 10)}${pad(rank, 9)}${pad(top, 44)}${feats}`;
  }
}

/** Writes lines to stdout a batch at a time (stdout to a file or pipe is written synchronously). */
function printLines(lines: Iterable<string>, batch = 1000): void {
  let pending: string[] = [];
  for (const line of lines) {
    pending.push(line);
    if (pending.length < batch) continue;
    process.stdout.write(pending.join('\n') + '\n');
    pending = [];
  }
  if (pending.length > 0) process.stdout.write(pending.join('\n') + '\n');
}

export async function analyzeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    'top-k': { type: 'string' },
    features: { type: 'string' },
    order: { type: 'string' },
    hooks: { type: 'string', multiple: true },
    'include-activations': { type: 'boolean' },
    out: { type: 'string' },
    progress: { type: 'boolean' },
    ...editOption,
    ...inputOptions,
  });
  if (values.help) {
    console.log(ANALYZE_USAGE);
    return 0;
  }
  const file = oneFile('analyze', ANALYZE_USAGE, positionals);
  const out = stringArg(values.out);
  const includeActivations = !!values['include-activations'];
  const edits = editArgs(values);
  // Where the snapshot goes is checked before any work: never over the input or a file that is not ours.
  if (out !== undefined) {
    const target = await checkSnapshotTargets(out, { inputs: [file], withActivations: includeActivations, flag: '--out' });
    if (!target.ok) throw new UsageError(target.error.message);
  }
  const { text, byteOrderMark } = readTextFile(file, maxBytesArg(values));
  const engine = await openEngine(values);
  try {
    const topK = intArg(values['top-k'], 'top-k', 10, 1, engine.info.topkMax);
    const featuresPerToken = intArg(values.features, 'features', 8, 1, 1000);
    const featureOrder = orderArg(values.order);
    const hooks = listArg(values.hooks);
    for (const h of hooks) if (!engine.info.hooks.includes(h)) throw new UsageError(`--hooks: no dictionary for ${h} (have: ${engine.info.hooks.join(', ')})`);
    checkEdits(engine, edits, text.length);
    const options = { topK, featuresPerToken, featureOrder, hooks, includeActivations };
    const progress = progressReporter(`analyzing ${escapeInvisible(file)}`, !!values.progress);
    const r = await engine.analyze(path.resolve(file), text, options, undefined, (p) => progress.update(p.done, p.total));
    progress.finish();
    if (!r.ok) throw new UsageError(r.error.message);
    const edited = edits.length ? await engine.analyzeEdited(path.resolve(file), text, edits, options) : undefined;
    if (edited && !edited.ok) throw new UsageError(edited.error.message);
    if (out !== undefined) {
      const snap = buildSnapshot({
        result: r.value,
        provenance: engine.provenance(),
        document: { path: path.resolve(file), languageId: LANGUAGES[path.extname(file).toLowerCase()] ?? null, text, byteOrderMark },
        options: { topK, featuresPerToken, featureOrder, hooks: r.value.hooks },
        edited: edited?.value,
      });
      if (!snap.ok) throw new UsageError(snap.error.message);
      let activations: HookActivations | undefined;
      if (includeActivations && r.value.activations) {
        activations = {};
        const n = r.value.tokens.length;
        for (const [h, data] of Object.entries(r.value.activations)) activations[h] = { shape: [n, n ? data.length / n : 0], data };
      }
      const w = await writeSnapshotAtomic(out, snap.value, activations);
      if (!w.ok) throw new UsageError(w.error.message);
      console.log(`wrote ${w.value.jsonPath}${w.value.activationsPath ? ` and ${w.value.activationsPath}` : ''} (${r.value.tokens.length} tokens)`);
    } else {
      if (edited) console.log(formatEditedTable(edited.value));
      else printLines(tableLines(engine, r.value));
    }
    return 0;
  } finally {
    await engine.dispose();
  }
}
