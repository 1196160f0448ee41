// `activation-inspector find --hook HOOK --feature N`: every place a dictionary feature fires in an
// indexed folder, strongest first, from the feature index (`activation-inspector index`). No model runs.
import path from 'node:path';
import { FeatureIndexStore, lineStarts } from '../featureIndex';
import { escapeInvisible, formatNumber } from '../shared/present';
import { intArg, parse, stringArg, UsageError } from './args';
import { DEFAULT_INDEX_DB } from './index-command';
import fs from 'node:fs';

export const FIND_USAGE = `activation-inspector find --hook HOOK --feature N [--db FILE] [--limit N] [--json]`;

/** The text of `line` (1-based) of a file, trimmed, for the table; '' when unreadable. */
function lineText(file: string, line: number): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    const starts = lineStarts(text);
    return text.slice(starts[line - 1] ?? 0, (starts[line] ?? text.length + 1) - 1).trim();
  } catch {
    return '';
  }
}

export async function findCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    db: { type: 'string' },
    hook: { type: 'string' },
    feature: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    console.log(FIND_USAGE);
    return 0;
  }
  if (positionals.length) throw new UsageError(`find takes no positional arguments (usage: ${FIND_USAGE})`);
  const hook = stringArg(values.hook);
  if (!hook) throw new UsageError(`find needs --hook HOOK (usage: ${FIND_USAGE})`);
  if (values.feature === undefined) throw new UsageError(`find needs --feature N (usage: ${FIND_USAGE})`);
  const feature = intArg(values.feature, 'feature', 0, 0, 2 ** 31 - 1);
  const limit = intArg(values.limit, 'limit', 100, 1, 10_000_000);
  const dbFile = path.resolve(stringArg(values.db) ?? DEFAULT_INDEX_DB);
  let store: FeatureIndexStore;
  try {
    store = await FeatureIndexStore.read(dbFile);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  try {
    const root = store.root;
    const found = store.find(hook, feature, limit).map((o) => ({ file: path.join(root, ...o.file.split('/')), start: o.start, end: o.end, line: o.line, activation: o.activation }));
    if (values.json) {
      console.log(JSON.stringify(found));
    } else if (!found.length) {
      console.log(`feature ${feature} of ${escapeInvisible(hook)} fires nowhere in the index`);
    } else {
      for (const o of found) console.log(`${escapeInvisible(path.relative(process.cwd(), o.file) || o.file)}:${o.line}  ${formatNumber(o.activation)}  ${escapeInvisible(lineText(o.file, o.line).slice(0, 100))}`);
    }
    return 0;
  } finally {
    store.close();
  }
}
