// `activation-inspector eval FILE...`: language-model and dictionary quality on the given files.
//
// bits_per_byte   sum over predicted tokens (all but each file's first) of -log2 p(token), divided by the
//                 UTF-8 bytes of those tokens
// top1_accuracy   fraction of predicted tokens that were the model's top choice (rank 0)
// explained_variance.<hook>   1 - Σ||x - x̂||² / Σ||x - x̄||² over all tokens of all files, x̄ = the mean
//                 activation vector (the corpus-level figure SAELens reports); mean_token_explained_variance
//                 is the mean of the per-token figure the panel shows
// l0.<hook>       mean number of non-zero features per token
import type { Engine } from '../engine';
import { escapeInvisible } from '../shared/present';
import { inputOptions, maxBytesArg, parse, readTextFile, UsageError } from './args';
import { openEngine } from './open-engine';
import { progressReporter, type ProgressReporter } from './progress';

export const EVAL_USAGE = 'activation-inspector eval FILE... [--model DIR] [--sae DIR]... [--threads N] [--max-bytes N] [--progress]';

interface HookAcc {
  sqErr: number;
  sumX: Float64Array;
  sumSq: number;
  l0: number;
  evTok: number;
  n: number;
}

/**
 * The figures above over `files`. Throws a UsageError when no token is predicted (every file empty or a
 * single token): there is nothing to score, and the ratios would be 0/0.
 */
export async function evaluate(engine: Engine, files: { name: string; text: string }[], progressFor?: (file: string) => ProgressReporter): Promise<Record<string, number>> {
  let nll = 0;
  let bytes = 0;
  let predicted = 0;
  let top1 = 0;
  let tokens = 0;
  const acc = new Map<string, HookAcc>();
  const enc = new TextEncoder();
  for (const f of files) {
    const progress = progressFor?.(f.name);
    const r = await engine.analyze(`eval:${f.name}`, f.text, { topK: 1, featuresPerToken: 1, hooks: [], includeActivations: true, includeStats: true }, undefined, (p) =>
      progress?.update(p.done, p.total),
    );
    progress?.finish();
    if (!r.ok) throw new UsageError(`${f.name}: ${r.error.message}`);
    const res = r.value;
    engine.forget(`eval:${f.name}`);
    tokens += res.tokens.length;
    for (const t of res.tokens) {
      if (t.logprob === null) continue;
      nll += -t.logprob / Math.LN2;
      bytes += enc.encode(t.text).length;
      predicted++;
      if (t.rank === 0) top1++;
    }
    for (const h of res.hooks) {
      const x = res.activations![h];
      const st = res.stats![h];
      const n = res.tokens.length;
      if (!n) continue;
      const d = x.length / n;
      let a = acc.get(h);
      if (!a) acc.set(h, (a = { sqErr: 0, sumX: new Float64Array(d), sumSq: 0, l0: 0, evTok: 0, n: 0 }));
      for (let i = 0; i < n; i++) {
        a.sqErr += st.sqErr[i];
        a.l0 += st.l0[i];
        a.evTok += res.tokens[i].reconstruction[h];
        for (let j = 0; j < d; j++) {
          const v = x[i * d + j];
          a.sumX[j] += v;
          a.sumSq += v * v;
        }
      }
      a.n += n;
    }
  }
  if (predicted === 0) {
    const what = files.length === 1 ? `${files[0].name} holds` : `the ${files.length} files hold`;
    const count = `${tokens} token${tokens === 1 ? '' : 's'}${files.length === 1 ? '' : ' in all'}`;
    throw new UsageError(`nothing to score: ${what} ${count}, and a file's first token has no prediction (a file needs at least two tokens)`);
  }
  const out: Record<string, number> = {
    files: files.length,
    tokens,
    bits_per_byte: nll / bytes,
    top1_accuracy: top1 / predicted,
  };
  for (const [h, a] of acc) {
    let meanSq = 0;
    for (const s of a.sumX) meanSq += (s / a.n) ** 2;
    const total = a.sumSq - a.n * meanSq;
    // With no variance across tokens (one token, or all alike) there is nothing to explain.
    if (total > 0) out[`explained_variance.${h}`] = 1 - a.sqErr / total;
    out[`mean_token_explained_variance.${h}`] = a.evTok / a.n;
    out[`l0.${h}`] = a.l0 / a.n;
  }
  return out;
}

export async function evalCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { progress: { type: 'boolean' }, ...inputOptions });
  if (values.help) {
    console.log(EVAL_USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError(`eval needs at least one FILE (usage: ${EVAL_USAGE})`);
  const maxBytes = maxBytesArg(values);
  const files = positionals.map((name) => ({ name, text: readTextFile(name, maxBytes).text }));
  const engine = await openEngine(values);
  try {
    const r = await evaluate(engine, files, (name) => progressReporter(`scoring ${escapeInvisible(name)}`, !!values.progress));
    for (const [k, v] of Object.entries(r)) console.log(`${k}: ${Number.isInteger(v) ? v : v.toFixed(4)}`);
    return 0;
  } finally {
    await engine.dispose();
  }
}
