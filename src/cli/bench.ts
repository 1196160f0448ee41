// `activation-inspector bench` (npm run bench [-- --bundle DIR]): one `name: value` line per figure.
// Every engine time is end to end on the caller's side of Engine.analyze (worker hop, tokenising, model,
// dictionaries, result objects), the median of a few runs on fresh documents. Without --bundle the default
// bundle is measured in full, then the GPT-2-small-shaped fixture (npm run fixture:gpt2-small) against
// PyTorch at 1,024 tokens; its figures carry `gpt2_small`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { BareOrt, DataType, encodeModel, Engine, planWindows, sessionOptions, tokenAtOffset, type AnalysisResult } from '../engine';
import { intArg, parse, UsageError } from './args';
import { interleaveWithPytorch, median, PAUSE_MS, sleep } from './bench-pytorch';
import { openEngine } from './open-engine';
import { benchExplain } from './bench-explain';
import { benchVisibleFirst } from './bench-visible';
import { benchEdit } from './bench-edit';

export const BENCH_USAGE = 'activation-inspector bench [--bundle DIR] [--threads N] [--features N] [--rounds N] [--no-pytorch]';

/** Interleaved engine/PyTorch rounds unless --rounds says otherwise. */
const DEFAULT_ROUNDS = 7;
const BASELINE_TOKENS = 1024;

function repoRoot(): string {
  for (const start of [typeof __dirname === 'string' ? __dirname : '', process.cwd()]) {
    let d = start;
    while (d && d !== path.dirname(d)) {
      if (fs.existsSync(path.join(d, 'training', 'gpt2.py'))) return d;
      d = path.dirname(d);
    }
  }
  return process.cwd();
}

/** Source text to analyse: the repository's own code, in a fixed order, repeated as needed. */
function corpus(root: string): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|py|mjs)$/.test(e.name)) files.push(p);
    }
  };
  walk(path.join(root, 'src'));
  walk(path.join(root, 'training'));
  const text = files.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
  return text.length > 1000 ? text : 'def f(x):\n    return x * 2\n'.repeat(5000);
}

/** The GPT-2-small-shaped fixture's bundle, made (idempotently) by training/make_gpt2_small_fixture.py. */
function gpt2SmallFixture(root: string): { dir: string } | { error: string } {
  const cache = process.env.ACTIVATION_INSPECTOR_CACHE || path.join(os.homedir(), '.cache', 'activation-inspector');
  const dir = path.join(cache, 'gpt2-small-shaped', 'bundle');
  if (fs.existsSync(path.join(dir, 'manifest.json'))) return { dir };
  const python = process.env.PYTHON || '/usr/bin/python3';
  const r = spawnSync(python, [path.join(root, 'training', 'make_gpt2_small_fixture.py')], { encoding: 'utf8', timeout: 15 * 60_000 });
  if (r.status !== 0) return { error: (r.error?.message ?? r.stderr.trim().split('\n').pop()) || `exit ${r.status}` };
  try {
    return { dir: JSON.parse(r.stdout.trim().split('\n').pop()!).bundle };
  } catch {
    return { error: 'make_gpt2_small_fixture.py printed no bundle path' };
  }
}

/** FLOPs of one analysis's work: model matmuls per computed position (window by window, attention over
 *  the positions before it) + unembedding + dictionary encode and decode for owned positions. An int8
 *  encoder's multiply-adds count as float ones (the work is the same; the machine does it faster). */
function analysisFlops(engine: Engine, n: number, hooks: string[]): number {
  const a = engine.bundle.manifest.architecture;
  const d = a.d_model;
  let f = 0;
  for (const w of planWindows(n, a.n_ctx)) {
    const len = w.end - w.start;
    f += len * a.n_layers * (2 * d * 3 * d + 2 * d * d + 2 * 2 * d * a.d_mlp); // qkv, proj, mlp
    f += a.n_layers * 2 * 2 * d * ((len * (len + 1)) / 2); // QK^T and AV, causal
    f += (w.end - w.ownedStart) * 2 * d * a.d_vocab; // unembedding, for the positions whose outputs are read
    for (const h of hooks) {
      const dict = engine.info.dictionaries.find((x) => x.hookName === h)!;
      // encode [d_in, d_sae]; decode dense [d_sae, d_in], or from the k active rows for topk
      const decode = dict.architecture === 'topk' ? 2 * (dict.k ?? 0) * dict.dIn : 2 * dict.dSae * dict.dIn;
      f += (w.end - w.ownedStart) * (2 * dict.dIn * dict.dSae + decode);
    }
  }
  return f;
}

/** Same-run matrix-multiply baseline: GFLOP/s of one [m, k] @ [k, k] MatMul in ONNX Runtime, same threads. */
async function matmulGflops(threads: number, m = 1024, k = 1024): Promise<number> {
  const w = new Float32Array(k * k).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const bytes = encodeModel({
    name: 'matmul',
    inputs: [{ name: 'a', type: DataType.FLOAT, shape: [m, k] }],
    outputs: [{ name: 'c', type: DataType.FLOAT, shape: [m, k] }],
    initializers: [{ name: 'w', dims: [k, k], data: w }],
    nodes: [{ op: 'MatMul', inputs: ['a', 'w'], outputs: ['c'] }],
  });
  const s = await ort.InferenceSession.create(bytes, sessionOptions({ threads }));
  const a = new ort.Tensor('float32', new Float32Array(m * k).fill(0.01), [m, k]);
  for (let i = 0; i < 3; i++) await s.run({ a });
  // Median of several runs, as for the analysis timings, so both see the same machine load.
  const times: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    await s.run({ a });
    times.push(performance.now() - t);
  }
  await s.release();
  return (2 * m * k * k) / (median(times) / 1000) / 1e9;
}

type Out = (name: string, v: number | string) => void;

const print: Out = (name, v) => console.log(`${name}: ${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toPrecision(4)) : v}`);

/** The fixture's figures: `x_1024` -> `x_gpt2_small_1024`, any other `x` -> `x_gpt2_small`. */
const gpt2SmallNames: Out = (name, v) => print(/_1024$/.test(name) ? name.replace(/_1024$/, '_gpt2_small_1024') : `${name}_gpt2_small`, v);

interface Settings {
  threads: number;
  features: number;
  rounds: number;
  pytorch: boolean;
  root: string;
}

/** One bundle's figures. `full`: every figure; otherwise the 1,024-token analysis and its baseline only.
 *  Returns false when the PyTorch baseline refused or failed (a wrong baseline must not print a speedup). */
async function benchBundle(engine: Engine, s: Settings, out: Out, full: boolean): Promise<boolean> {
  const text = corpus(s.root);
  let big = text;
  while (engine.bundle.tokenizer.encode(big).length < 4200) big += '\n' + text;
  const all = engine.bundle.tokenizer.encode(big);
  const prefix = (n: number) => big.slice(0, all[n].start);
  const opts = { topK: 10, featuresPerToken: s.features, hooks: [] as string[] };
  let seq = 0;
  const run = async (key: string, t: string): Promise<[number, AnalysisResult]> => {
    const t0 = performance.now();
    const r = await engine.analyze(key, t, opts);
    const ms = performance.now() - t0;
    if (!r.ok) throw new UsageError(`bench: ${r.error.message}`);
    return [ms, r.value];
  };
  const split: Record<number, { model: number[]; dictionaries: number[]; worker: number[] }> = {};
  const fresh = async (t: string, n = 0): Promise<number> => {
    const key = `bench-${seq++}`;
    const [ms, r] = await run(key, t);
    engine.forget(key);
    const s = (split[n] ??= { model: [], dictionaries: [], worker: [] });
    s.model.push(r.timings.modelMs);
    s.dictionaries.push(r.timings.dictionaryMs);
    s.worker.push(r.timings.totalMs);
    return ms;
  };
  const timeFull = async (n: number, reps: number) => {
    const t = prefix(n);
    const times: number[] = [];
    for (let i = 0; i < reps; i++) times.push(await fresh(t, n));
    return median(times);
  };
  out('bundle', engine.info.bundleDir);
  out('model', `${engine.info.modelId} (n_ctx ${engine.info.nCtx}, ${engine.info.dictionaries.map((d) => `${d.hookName} ${d.architecture} ${d.dSae}`).join(', ')})`);
  out('threads', s.threads);
  out('features_per_token', s.features);
  await timeFull(256, 1); // warm-up
  const sizes: [number, number][] = full ? [[256, 5], [BASELINE_TOKENS, 3], [4096, 1]] : [[BASELINE_TOKENS, 3]];
  const times: Record<number, number> = {};
  for (const [n, reps] of sizes) {
    times[n] = await timeFull(n, reps);
    out(`full_analysis_${n}_tokens_ms`, times[n]);
    out(`full_analysis_${n}_tokens_per_s`, (n / times[n]) * 1000);
  }
  // Where the 1,024-token analysis goes: model session runs, dictionary session runs, all the worker's work
  // (the rest of the end-to-end time is the hop to and from the worker and building the result).
  out('engine_model_ms_1024', median(split[BASELINE_TOKENS].model));
  out('engine_dictionaries_ms_1024', median(split[BASELINE_TOKENS].dictionaries));
  out('engine_worker_ms_1024', median(split[BASELINE_TOKENS].worker));
  if (full) await editAndHover(engine, prefix(2000), run, out);
  if (full) await benchExplain(engine, prefix(2000), out);
  if (full) await benchEdit(engine, prefix, out);
  if (full) await benchVisibleFirst(engine, text, out);
  // Achieved GFLOP/s against a same-run matmul baseline.
  const flops = analysisFlops(engine, BASELINE_TOKENS, engine.info.hooks);
  const achieved = flops / (times[BASELINE_TOKENS] / 1000) / 1e9;
  const mm = await matmulGflops(s.threads);
  out('analysis_1024_gflop', flops / 1e9);
  out('achieved_gflops_1024', achieved);
  out('matmul_baseline_gflops', mm);
  out('achieved_fraction_of_matmul', achieved / mm);
  const text1024 = prefix(BASELINE_TOKENS);
  await overheadVsBareOrt(engine, s, engine.bundle.tokenizer.encode(text1024).map((t) => t.id), () => fresh(text1024), out);
  if (!s.pytorch) return true;
  const job = {
    bundle: engine.info.bundleDir,
    ids: engine.bundle.tokenizer.encode(text1024).map((t) => t.id),
    features: s.features,
    threads: s.threads,
    dictionaries: engine.info.hooks.map((h) => {
      const attached = engine.attachedDictionaries.find((d) => d.hookName === h);
      const own = engine.bundle.dictionaries.find((d) => d.hookName === h);
      return { hook: h, dir: (attached ?? own)!.dir };
    }),
  };
  const r = await interleaveWithPytorch(s.root, job, () => fresh(text1024), s.rounds);
  if (r.kind === 'unavailable') {
    out('pytorch_eager', `unavailable (${r.reason})`);
    return true;
  }
  for (const [k, v] of Object.entries(r.info)) out(k, Number.isNaN(Number(v)) ? v : Number(v));
  if (r.kind === 'failed') {
    out('pytorch_eager', `failed (${r.reason})`);
    return false;
  }
  out('pytorch_rounds', r.ratios.length);
  out('pytorch_eager_1024_ms', median(r.pytorchMs));
  out('engine_interleaved_1024_ms', median(r.engineMs));
  out('speedup_vs_pytorch_eager_1024', median(r.ratios));
  out('speedup_vs_pytorch_eager_range', `${Math.min(...r.ratios).toFixed(2)}-${Math.max(...r.ratios).toFixed(2)}`);
  return true;
}

/** The engine end to end against ONNX Runtime doing the same model and dictionary session runs alone
 *  (BareOrt, in this thread), interleaved round by round with symmetric pauses:
 *  engine_overhead_vs_bare_ort is the median over rounds of engine / bare - 1. */
async function overheadVsBareOrt(engine: Engine, s: Settings, ids: number[], engineRun: () => Promise<number>, out: Out): Promise<void> {
  const opened = await BareOrt.open(engine.info.bundleDir, { threads: s.threads, extraDictionaries: engine.attachedDictionaries.map((d) => d.dir) });
  if (!opened.ok) throw new UsageError(`bench: ${opened.error.message}`);
  const bare = opened.value;
  try {
    const input = Int32Array.from(ids);
    await bare.run(input, s.features); // warm-up
    const bareMs: number[] = [];
    const engineMs: number[] = [];
    // The same pause before each run, as for PyTorch: the worker frees the last analysis's caches after it
    // returns, and that must not land inside the next bare run.
    for (let i = 0; i < s.rounds; i++) {
      await sleep(PAUSE_MS);
      bareMs.push(await bare.run(input, s.features));
      await sleep(PAUSE_MS);
      engineMs.push(await engineRun());
    }
    const overheads = engineMs.map((e, i) => e / bareMs[i] - 1);
    out('bare_ort_1024_ms', median(bareMs));
    out('engine_vs_bare_ort_1024_ms', median(engineMs));
    out('engine_overhead_vs_bare_ort', median(overheads));
    out('engine_overhead_vs_bare_ort_range', `${Math.min(...overheads).toFixed(2)}-${Math.max(...overheads).toFixed(2)}`);
  } finally {
    await bare.release();
  }
}

/** One-character edits near the end of a document, each on top of the previous one; then hover lookups. */
async function editAndHover(engine: Engine, base: string, run: (key: string, t: string) => Promise<[number, AnalysisResult]>, out: Out): Promise<void> {
  const fulls: number[] = [];
  for (let i = 0; i < 2; i++) fulls.push((await run(`bench-edit-full-${i}`, base))[0]);
  const full2000 = median(fulls);
  let doc = base;
  let last: AnalysisResult | null = null;
  const edits: number[] = [];
  for (let i = 0; i < 5; i++) {
    const at = doc.length - 40 + i * 3;
    doc = doc.slice(0, at) + 'xyzwv'[i] + doc.slice(at);
    const [ms, r] = await run('bench-edit-full-0', doc);
    edits.push(ms);
    last = r;
  }
  engine.forget('bench-edit-full-0');
  engine.forget('bench-edit-full-1');
  out('full_analysis_2000_tokens_ms', full2000);
  out('incremental_edit_ms', median(edits));
  out('incremental_edit_fraction_of_full', median(edits) / full2000);
  // Hover: offset -> token -> its result on the finished analysis.
  const L = 200_000;
  let found = 0;
  const t0 = performance.now();
  for (let i = 0; i < L; i++) if (tokenAtOffset(last!, (i * 7919) % doc.length)) found++;
  const hoverMs = (performance.now() - t0) / L;
  out('hover_lookup_us', hoverMs * 1000);
  out('hover_lookup_fraction_of_full', hoverMs / full2000);
  if (found === 0) throw new UsageError('bench: hover lookup found nothing');
}

export async function benchCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    bundle: { type: 'string' }, features: { type: 'string' }, rounds: { type: 'string' }, 'no-pytorch': { type: 'boolean' },
  });
  if (values.help) {
    console.log(BENCH_USAGE);
    return 0;
  }
  if (values.bundle) values.model = values.bundle;
  const s: Settings = {
    threads: intArg(values.threads, 'threads', 2, 1, 64),
    features: intArg(values.features, 'features', 8, 1, 1000),
    rounds: intArg(values.rounds, 'rounds', DEFAULT_ROUNDS, 1, 1000),
    pytorch: !values['no-pytorch'],
    root: repoRoot(),
  };
  let ok = true;
  const engine = await openEngine(values);
  try {
    ok = await benchBundle(engine, s, print, true);
  } finally {
    await engine.dispose();
  }
  if (!values.bundle && s.pytorch) {
    const fixture = gpt2SmallFixture(s.root);
    if ('error' in fixture) print('gpt2_small_fixture', `unavailable (${fixture.error})`);
    else {
      const small = await openEngine({ ...values, model: fixture.dir });
      try {
        ok = (await benchBundle(small, s, gpt2SmallNames, false)) && ok;
      } finally {
        await small.dispose();
      }
    }
  }
  print('peak_rss_mb', process.resourceUsage().maxRSS / 1024);
  return ok ? 0 : 1;
}
