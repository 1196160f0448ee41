// `npm run bench`'s explain figures: one explain at a position late in a 2,000-token document, on a
// document the engine has not analysed (the model runs over that position's window up to it), as a
// fraction of a full analysis of the same document; and the same explain right after an analysis, when
// the window's cached KV leaves only the position itself to run.
import type { Engine, Result } from '../engine';
import { median } from './bench-pytorch';
import { timedRequest } from './bench-timing';

type Out = (name: string, v: number | string) => void;

export async function benchExplain(engine: Engine, text: string, out: Out, reps = 5): Promise<void> {
  const opts = { topK: 10, featuresPerToken: 8, hooks: [] as string[] };
  let seq = 0;
  const timed = <T>(f: () => Promise<Result<T>>) => timedRequest('bench explain', f);
  const full = async (key: string) => (await timed(() => engine.analyze(key, text, opts)))[0];
  // A late position, by offset (the CLI's way in): 20 characters before the end.
  const at = { offset: Math.max(0, text.length - 20) };
  // The first explain also reads the weights out of model.onnx and builds the lens graph.
  const [firstMs, first] = await timed(() => engine.explain(`bench-explain-${seq++}`, text, at));
  const fulls: number[] = [];
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < reps; i++) {
    const coldKey = `bench-explain-${seq++}`;
    cold.push((await timed(() => engine.explain(coldKey, text, at)))[0]);
    engine.forget(coldKey);
    const key = `bench-explain-${seq++}`;
    fulls.push(await full(key));
    warm.push((await timed(() => engine.explain(key, text, at)))[0]);
    engine.forget(key);
  }
  out('explain_position', `${first.position} of a 2,000-token document (window from ${first.windowStart}: ${first.timings.tokensRun} tokens run)`);
  out('explain_first_call_ms', firstMs);
  out('explain_ms', median(cold));
  out('explain_full_analysis_ms', median(fulls));
  out('explain_fraction_of_full', median(cold) / median(fulls));
  out('explain_after_analysis_ms', median(warm));
}
