// `npm run bench`'s edit and continuation figures, each after a plain analysis of the same text (the way
// the editor uses them): a whole-document feature ablation on a 1,024-token document and an ablation on
// the last token of a 2,000-token document, as fractions of a full analysis of that document; and a
// continuation's time per generated token, also as a fraction of a full analysis's time per token.
import type { Engine, FeatureEdit, Result } from '../engine';
import { median } from './bench-pytorch';
import { timedRequest } from './bench-timing';

type Out = (name: string, v: number | string) => void;

export async function benchEdit(engine: Engine, prefix: (tokens: number) => string, out: Out, reps = 3): Promise<void> {
  const opts = { topK: 10, featuresPerToken: 8, hooks: [] as string[] };
  let seq = 0;
  const timed = <T>(f: () => Promise<Result<T>>) => timedRequest('bench edit', f);
  const hook = engine.info.hooks[0];
  // Edits an edit bench would make: ablate a feature that fires, over the whole text or its last token.
  const figure = async (tokens: number, lastTokenOnly: boolean): Promise<{ edit: number; full: number }> => {
    const text = prefix(tokens);
    const edits: number[] = [];
    const fulls: number[] = [];
    for (let i = 0; i <= reps; i++) {
      const key = `bench-edit-${seq++}`;
      const [fullMs, a] = await timed(() => engine.analyze(key, text, opts));
      const last = a.tokens[a.tokens.length - 1];
      const feature = a.tokens.flatMap((t) => t.features[hook]).find((f) => f.activation > 0)?.index ?? 0;
      const edit: FeatureEdit = { hook, feature, op: 'ablate', ...(lastTokenOnly ? { range: { start: last.start, end: last.end } } : {}) };
      const [editMs] = await timed(() => engine.analyzeEdited(key, text, [edit], opts));
      engine.forget(key);
      if (i === 0) continue; // the first edit also builds the model's segment sessions
      edits.push(editMs);
      fulls.push(fullMs);
    }
    return { edit: median(edits), full: median(fulls) };
  };
  const whole = await figure(1024, false);
  out('edit_whole_1024_ms', whole.edit);
  out('edit_whole_fraction_of_full', whole.edit / whole.full);
  const lastToken = await figure(2000, true);
  out('edit_last_token_2000_ms', lastToken.edit);
  out('edit_last_token_fraction_of_full', lastToken.edit / lastToken.full);
  // Continuations of 32 tokens from the end of an analysed 1,024-token document.
  const text = prefix(1024);
  const key = `bench-edit-${seq++}`;
  const [fullMs] = await timed(() => engine.analyze(key, text, opts));
  const perToken: number[] = [];
  for (let i = 0; i <= reps; i++) {
    const [, c] = await timed(() => engine.continue(key, text, text.length, { tokens: 32 }));
    if (i > 0) perToken.push(c.timings.msPerToken);
  }
  engine.forget(key);
  out('continue_ms_per_token', median(perToken));
  out('continue_fraction_of_full_pass_per_token', median(perToken) / (fullMs / 1024));
}
