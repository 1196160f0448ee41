// `activation-inspector continue FILE --offset N --tokens K`: the model's continuation of the text before
// the offset (greedy, or sampled with --temperature and --seed), with or without --edit; the file is not
// changed.
import path from 'node:path';
import { formatEdit } from '../engine';
import { formatProb, visibleToken } from '../shared/present';
import { inputOptions, intArg, maxBytesArg, oneFile, parse, readTextFile, stringArg, UsageError } from './args';
import { checkEdits, editArgs, editOption } from './edits';
import { openEngine } from './open-engine';

export const CONTINUE_USAGE = `activation-inspector continue FILE --offset N --tokens K [--edit HOOK:FEATURE=SPEC[@START-END]]...
                             [--temperature T --seed S] [--json] [--model DIR] [--sae DIR]... [--threads N]`;

export async function continueCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    offset: { type: 'string' },
    tokens: { type: 'string' },
    temperature: { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
    ...editOption,
    ...inputOptions,
  });
  if (values.help) {
    console.log(CONTINUE_USAGE);
    return 0;
  }
  const file = oneFile('continue', CONTINUE_USAGE, positionals);
  const edits = editArgs(values);
  const tokens = intArg(values.tokens, 'tokens', 20, 1, 4096);
  const seed = intArg(values.seed, 'seed', 0, 0, 2 ** 32 - 1);
  const temperatureText = stringArg(values.temperature);
  const temperature = temperatureText === undefined ? 0 : Number(temperatureText);
  if (!(Number.isFinite(temperature) && temperature >= 0 && temperature <= 100)) throw new UsageError(`--temperature must be a number in 0..100, got ${JSON.stringify(temperatureText)}`);
  const { text } = readTextFile(file, maxBytesArg(values));
  const offset = intArg(values.offset, 'offset', text.length, 1, Math.max(1, text.length));
  const engine = await openEngine(values);
  try {
    checkEdits(engine, edits, text.length);
    const r = await engine.continue(path.resolve(file), text, offset, { tokens, temperature, seed, edits });
    if (!r.ok) throw new UsageError(r.error.message);
    const c = r.value;
    if (values.json) {
      console.log(JSON.stringify({ ...c, edits: c.edits.map(formatEdit) }, null, 2));
      return 0;
    }
    const how = temperature > 0 ? `sampled at temperature ${temperature}, seed ${seed}` : 'greedy';
    console.log(`continuation of ${c.tokens.length} tokens from offset ${offset} (${how}${c.edited ? `; EDITED: ${c.edits.map(formatEdit).join(', ')}` : ''})`);
    for (const t of c.tokens) console.log(`${visibleToken(t.text).padEnd(20)} ${formatProb(t.prob)}`);
    console.log(`text: ${JSON.stringify(c.text)}`);
    return 0;
  } finally {
    await engine.dispose();
  }
}
