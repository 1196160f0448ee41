// `activation-inspector bench` (npm run bench [-- --bundle DIR]): one `name: value` line per figure.
// Every time is end to end on the caller's side of Engine.analyze (worker hop, tokenising, model,
// dictionaries, result objects), the median of a few runs on fresh documents.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import * as ort from 'onnxruntime-node';
import { DataType, encodeModel, Engine, planWindows, sessionOptions, tokenAtOffset, type AnalysisResult } from '../engine';
import { intArg, parse, UsageError } from './args';
import { openEngine } from './open-engine';

export const BENCH_USAGE = 'activation-inspector bench [--bundle DIR] [--threads N] [--features N] [--no-pytorch]';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

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

/** Achieved FLOPs of one analysis: model matmuls per computed position (window by window, attention over
 *  the positions before it) + unembedding + dictionary encode and decode for owned positions. */
function analysisFlops(engine: Engine, n: number, hooks: string[]): number {
  const a = engine.bundle.manifest.architecture;
  const d = a.d_model;
  let f = 0;
  for (const w of planWindows(n, a.n_ctx)) {
    const len = w.end - w.start;
    f += len * a.n_layers * (2 * d * 3 * d + 2 * d * d + 2 * 2 * d * a.d_mlp); // qkv, proj, mlp
    f += a.n_layers * 2 * 2 * d * ((len * (len + 1)) / 2); // QK^T and AV, causal
    f += len * 2 * d * a.d_vocab; // unembedding
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

export async function benchCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { bundle: { type: 'string' }, features: { type: 'string' }, 'no-pytorch': { type: 'boolean' } });
  if (values.help) {
    console.log(BENCH_USAGE);
    return 0;
  }
  if (values.bundle) values.model = values.bundle;
  const threads = intArg(values.threads, 'threads', 2, 1, 64);
  const features = intArg(values.features, 'features', 8, 1, 1000);
  const engine = await openEngine(values);
  const out = (name: string, v: number | string) => console.log(`${name}: ${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toPrecision(4)) : v}`);
  try {
    const root = repoRoot();
    const text = corpus(root);
    const spans = engine.bundle.tokenizer.encode(text);
    let big = text;
    while (engine.bundle.tokenizer.encode(big).length < 4200) big += '\n' + text;
    const all = engine.bundle.tokenizer.encode(big);
    void spans;
    const prefix = (n: number) => big.slice(0, all[n].start);
    const opts = { topK: 10, featuresPerToken: features, hooks: [] as string[] };
    let seq = 0;
    const run = async (key: string, t: string): Promise<[number, AnalysisResult]> => {
      const t0 = performance.now();
      const r = await engine.analyze(key, t, opts);
      const ms = performance.now() - t0;
      if (!r.ok) throw new UsageError(`bench: ${r.error.message}`);
      return [ms, r.value];
    };
    const full = async (n: number, reps: number) => {
      const t = prefix(n);
      const times: number[] = [];
      let tokens = 0;
      for (let i = 0; i < reps; i++) {
        const key = `bench-${seq++}`;
        const [ms, r] = await run(key, t);
        tokens = r.tokens.length;
        times.push(ms);
        engine.forget(key);
      }
      return { ms: median(times), tokens, text: t };
    };
    out('bundle', engine.info.bundleDir);
    out('model', `${engine.info.modelId} (n_ctx ${engine.info.nCtx}, ${engine.info.dictionaries.map((d) => `${d.hookName} ${d.architecture} ${d.dSae}`).join(', ')})`);
    out('threads', threads);
    out('features_per_token', features);
    await full(256, 1); // warm-up
    const results: Record<number, { ms: number; tokens: number; text: string }> = {};
    for (const [n, reps] of [[256, 5], [1024, 3], [4096, 1]] as const) {
      results[n] = await full(n, reps);
      out(`full_analysis_${n}_tokens_ms`, results[n].ms);
      out(`full_analysis_${n}_tokens_per_s`, (results[n].tokens / results[n].ms) * 1000);
    }
    // One-character edits near the end of a 2,000-token document, each on top of the previous one.
    const base = prefix(2000);
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
    // Achieved GFLOP/s against a same-run matmul baseline.
    const flops = analysisFlops(engine, results[1024].tokens, engine.info.hooks);
    const achieved = flops / (results[1024].ms / 1000) / 1e9;
    const mm = await matmulGflops(threads);
    out('analysis_1024_gflop', flops / 1e9);
    out('achieved_gflops_1024', achieved);
    out('matmul_baseline_gflops', mm);
    out('achieved_fraction_of_matmul', achieved / mm);
    // PyTorch eager, same weights, tokens, windowing and dictionaries, interleaved run by run with the
    // engine so that both see the same machine load.
    if (!values['no-pytorch']) {
      const r = await pytorchInterleaved(engine, root, results[1024].text, features, threads, () => run(`bench-${seq++}`, results[1024].text).then(([ms]) => ms));
      if ('error' in r) out('pytorch_eager', `unavailable (${r.error})`);
      else {
        for (const [k, v] of Object.entries(r.info)) out(k, Number.isNaN(Number(v)) ? v : Number(v));
        out('pytorch_eager_1024_ms', r.pytorchMs);
        out('engine_interleaved_1024_ms', r.engineMs);
        out('speedup_vs_pytorch_eager_1024', r.pytorchMs / r.engineMs);
      }
    }
    out('peak_rss_mb', process.resourceUsage().maxRSS / 1024);
    return 0;
  } finally {
    await engine.dispose();
  }
}

type Interleaved = { info: Record<string, string>; pytorchMs: number; engineMs: number } | { error: string };

/** training/bench_pytorch.py --serve: alternates one PyTorch run and one engine run, `reps` times. */
async function pytorchInterleaved(engine: Engine, root: string, text: string, features: number, threads: number, engineRun: () => Promise<number>, reps = 3): Promise<Interleaved> {
  const ids = engine.bundle.tokenizer.encode(text).map((t) => t.id);
  const job = path.join(os.tmpdir(), `ai-bench-${process.pid}.json`);
  fs.writeFileSync(job, JSON.stringify({
    bundle: engine.info.bundleDir, ids, features, threads,
    dictionaries: engine.info.dictionaries.map((d) => d.hookName),
    sae_dirs: Object.fromEntries(engine.attachedDictionaries.map((d) => [d.hookName, d.dir])),
  }));
  const py = spawn('/usr/bin/python3', [path.join(root, 'training', 'bench_pytorch.py'), job, '--serve'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  py.stderr.on('data', (d) => (stderr += d));
  const lines = readline.createInterface({ input: py.stdout })[Symbol.asyncIterator]();
  const info: Record<string, string> = {};
  const next = async (): Promise<string | null> => {
    const r = await lines.next();
    return r.done ? null : r.value;
  };
  try {
    for (;;) {
      const line = await next();
      if (line === null) return { error: stderr.trim().split('\n').pop() || 'python3 exited' };
      if (line === 'ready') break;
      const [k, v] = line.split(': ', 2);
      if (v !== undefined) info[k] = v;
    }
    const pt: number[] = [];
    const en: number[] = [];
    for (let i = 0; i < reps; i++) {
      py.stdin.write('run\n');
      const line = await next();
      if (line === null || !line.startsWith('ms: ')) return { error: stderr.trim().split('\n').pop() || 'no timing from python3' };
      pt.push(Number(line.slice(4)));
      // PyTorch's OpenMP threads keep spinning for a moment after a run; let them settle first.
      await new Promise((r) => setTimeout(r, 300));
      en.push(await engineRun());
    }
    return { info, pytorchMs: median(pt), engineMs: median(en) };
  } catch (e) {
    return { error: (e as Error).message };
  } finally {
    py.stdin.end('quit\n');
    py.kill();
    fs.rmSync(job, { force: true });
  }
}
