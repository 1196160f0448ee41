// `activation-inspector explain FILE --offset N`: why the model predicts what it does after the token at
// UTF-16 offset N — the logit lens, every head's attention row and the direct logit attribution —
// as readable text, or with --json as one object (docs/explain-format.md).
import path from 'node:path';
import type { Engine, ExplainOptions, Explanation } from '../engine';
import { escapeInvisible } from '../shared/present';
import { inputOptions, intArg, maxBytesArg, oneFile, parse, readTextFile, stringArg, UsageError } from './args';
import { formatExplanation } from './explain-format';
import { openEngine } from './open-engine';

export const EXPLAIN_USAGE = `activation-inspector explain FILE --offset N [--target TOKEN] [--versus TOKEN] [--top-k N]
                             [--model DIR] [--sae DIR]... [--json] [--threads N] [--max-bytes N]`;

/** TOKEN is a vocabulary id or the exact decoded text of one vocabulary entry. */
export function resolveToken(engine: Pick<Engine, 'tokenText' | 'info'>, token: string, flag: string): number {
  if (/^\d+$/.test(token)) {
    const id = Number(token);
    if (id >= engine.info.dVocab) throw new UsageError(`${flag} ${token}: token ids are 0..${engine.info.dVocab - 1}`);
    return id;
  }
  for (let id = 0; id < engine.info.dVocab; id++) if (engine.tokenText(id) === token) return id;
  throw new UsageError(`${flag} ${escapeInvisible(JSON.stringify(token))} is not one token of this model's vocabulary (give its text exactly, with any leading space, or its id)`);
}

/** The --json object: the Explanation with attention rows over every token 0..position (0 before the
 *  window the model saw) and without timings (they differ run to run). */
export function explanationJson(e: Explanation): Record<string, unknown> {
  const pad = new Array<number>(e.windowStart).fill(0);
  return {
    model: e.modelId,
    position: e.position,
    token: e.token,
    windowStart: e.windowStart,
    windowTokens: e.windowTokens,
    target: e.target,
    targetIsNext: e.targetIsNext,
    versus: e.versus,
    logit: e.logit,
    lens: e.lens,
    attention: e.attention.map((a) => ({
      layer: a.layer, head: a.head, name: a.name, weights: [...pad, ...a.weights],
      meanDistance: a.meanDistance, entropy: a.entropy, maxWeight: a.maxWeight, maxToken: a.maxToken,
    })),
    attribution: e.attribution,
    groups: e.groups,
  };
}

export async function explainCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    offset: { type: 'string' },
    target: { type: 'string' },
    versus: { type: 'string' },
    'top-k': { type: 'string' },
    json: { type: 'boolean' },
    ...inputOptions,
  });
  if (values.help) {
    console.log(EXPLAIN_USAGE);
    return 0;
  }
  const file = oneFile('explain', EXPLAIN_USAGE, positionals);
  if (values.offset === undefined) throw new UsageError('explain needs --offset N (a UTF-16 offset into FILE; the token containing it is explained)');
  const { text } = readTextFile(file, maxBytesArg(values));
  const offset = intArg(values.offset, 'offset', 0, 0, Math.max(0, text.length - 1));
  const engine = await openEngine(values);
  try {
    const options: ExplainOptions = { topK: intArg(values['top-k'], 'top-k', 10, 1, engine.info.topkMax) };
    const target = stringArg(values.target);
    const versus = stringArg(values.versus);
    if (target !== undefined) options.target = resolveToken(engine, target, '--target');
    if (versus !== undefined) options.versus = resolveToken(engine, versus, '--versus');
    const r = await engine.explain(path.resolve(file), text, { offset }, options);
    if (!r.ok) throw new UsageError(r.error.message);
    console.log(values.json ? JSON.stringify(explanationJson(r.value)) : formatExplanation(r.value, engine));
    return 0;
  } finally {
    await engine.dispose();
  }
}
