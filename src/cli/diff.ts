// `activation-inspector diff A B`: two versions of a text compared token by token. Each of A and B is a
// source file (analysed here) or a snapshot (read as it is, no model needed). Tokens of B are aligned
// to A's through a text diff; the table lists the tokens whose probability changed most, --json prints
// every token of B (docs/cli.md, "diff").
import path from 'node:path';
import { openSync, readSync, closeSync } from 'node:fs';
import { biggestChanges, compareAnalyses, readSnapshot, type ComparedSide, type Comparison, type Engine } from '../engine';
import { escapeInvisible, formatNumber, formatProb, shortHook, visibleToken } from '../shared/present';
import { inputOptions, intArg, listArg, maxBytesArg, parse, readTextFile, UsageError, type ArgValues } from './args';
import { openEngine } from './open-engine';

export const DIFF_USAGE = `activation-inspector diff A B [--json] [--limit N] [--features N] [--hooks H,...]
                             [--model DIR] [--sae DIR]... [--threads N] [--max-bytes N]
                             (A and B: source files or snapshots)`;

const SNAPSHOT_MARK = 'activation-inspector-snapshot';

/** A snapshot announces itself in its first bytes ({"format": "activation-inspector-snapshot", ...}). */
function looksLikeSnapshot(file: string): boolean {
  if (!file.toLowerCase().endsWith('.json')) return false;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(512);
    const n = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n).toString('utf8').includes(SNAPSHOT_MARK);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

interface LoadedSide extends ComparedSide {
  modelId: string;
}

/** The comparison as --json prints it: one entry per token of B. */
export function comparisonJson(c: Comparison): Record<string, unknown> {
  return {
    tokens: c.tokens.map((t) => ({
      start: t.start, end: t.end, text: t.text, matched: t.matched, deltaLogprob: t.deltaLogprob,
      logprobBefore: t.logprobBefore, logprobAfter: t.logprobAfter, featureChanges: t.featureChanges,
    })),
    deletedInA: c.deletedInA,
    matched: c.matched,
    hooks: c.hooks,
  };
}

export function formatComparison(c: Comparison, limit: number): string {
  const lines = [`${c.tokens.length} tokens in B, ${c.matched} matched to A, ${c.tokens.length - c.matched} in changed text; ${c.deletedInA.length} deleted span(s) of A`];
  const top = biggestChanges(c, limit);
  if (!top.length) return [...lines, 'no matched token changed its probability'].join('\n');
  lines.push('biggest changes (B offset, token, p before -> after, feature changes):');
  for (const t of top) {
    const before = formatProb(Math.exp(t.logprobBefore!));
    const after = formatProb(Math.exp(t.logprobAfter!));
    const feats = t.featureChanges.map((f) => `${shortHook(f.hook)}#${f.index} ${formatNumber(f.before)}→${formatNumber(f.after)}`).join(', ');
    lines.push(`  ${String(t.start).padStart(7)}  ${visibleToken(t.text).padEnd(16)} ${before} → ${after} (${t.deltaLogprob! > 0 ? '+' : ''}${formatNumber(t.deltaLogprob!)} nats)${feats ? `  ${feats}` : ''}`);
  }
  return lines.join('\n');
}

export async function diffCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    json: { type: 'boolean' },
    limit: { type: 'string' },
    features: { type: 'string' },
    hooks: { type: 'string', multiple: true },
    ...inputOptions,
  });
  if (values.help) {
    console.log(DIFF_USAGE);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError(`diff takes two files, A and B (usage: ${DIFF_USAGE.split('\n')[0]})`);
  const limit = intArg(values.limit, 'limit', 20, 1, 100_000);
  let engine: Engine | undefined;
  try {
    const sides: LoadedSide[] = [];
    for (const [i, file] of positionals.entries()) {
      if (looksLikeSnapshot(file)) {
        sides.push(await snapshotSide(file));
        continue;
      }
      engine ??= await openEngine(values);
      sides.push(await analysedSide(engine, file, values, i));
    }
    const [a, b] = sides;
    if (a.modelId !== b.modelId) throw new UsageError(`A was analysed with model ${escapeInvisible(a.modelId)} and B with ${escapeInvisible(b.modelId)}: compare analyses of one model`);
    const c = compareAnalyses(a, b);
    console.log(values.json ? JSON.stringify(comparisonJson(c)) : formatComparison(c, limit));
    return 0;
  } finally {
    await engine?.dispose();
  }
}

async function snapshotSide(file: string): Promise<LoadedSide> {
  const r = await readSnapshot(file);
  if (!r.ok) throw new UsageError(r.error.message);
  const s = r.value;
  return { text: s.document.text, hooks: s.hooks, tokens: s.tokens, modelId: s.provenance.model.id };
}

async function analysedSide(engine: Engine, file: string, values: ArgValues, i: number): Promise<LoadedSide> {
  const { text } = readTextFile(file, maxBytesArg(values));
  const featuresPerToken = intArg(values.features, 'features', 8, 1, 1000);
  const hooks = listArg(values.hooks);
  for (const h of hooks) if (!engine.info.hooks.includes(h)) throw new UsageError(`--hooks: no dictionary for ${h} (have: ${engine.info.hooks.join(', ')})`);
  // A and B may be the same path: each side is its own document to the engine.
  const r = await engine.analyze(`diff:${i}:${path.resolve(file)}`, text, { topK: 1, featuresPerToken, hooks });
  if (!r.ok) throw new UsageError(r.error.message);
  return { text, hooks: r.value.hooks, tokens: r.value.tokens, modelId: r.value.modelId };
}
