// The readable form of an explanation for the terminal: the logit lens as a table, the heads that look
// furthest and most sharply, and each attribution group's largest terms. Tokens read as in the hover and
// the panel (src/shared/present.ts): nothing raw reaches the terminal.
import { groupTerms, lensMilestones, type AttributionTerm, type Engine, type Explanation } from '../engine';
import { escapeInvisible, formatNumber, formatProb, displayRank, shortHook, visibleToken } from '../shared/present';

/** Terms listed per attribution group (the rest are summed on one line). */
const TERMS_SHOWN = 12;

function pad(s: string, n: number): string {
  return s.length >= n ? s.slice(0, n - 1) + '…' : s + ' '.repeat(n - s.length);
}

const signed = (x: number) => (x >= 0 ? '+' : '') + formatNumber(x, 3);

function termName(t: AttributionTerm, engine: Pick<Engine, 'featureLabel'>): string {
  switch (t.kind) {
    case 'head':
      return `L${t.layer}H${t.head}`;
    case 'attn_bias':
      return `attn bias L${t.layer}`;
    case 'mlp':
      return `MLP L${t.layer}`;
    case 'mlp_bias':
      return `MLP bias L${t.layer}`;
    case 'feature': {
      const label = engine.featureLabel(t.hook!, t.feature!);
      return `feature #${t.feature}${label ? ` ${escapeInvisible(JSON.stringify(label))}` : ''} (${formatNumber(t.activation!)})`;
    }
    default:
      return t.kind;
  }
}

function lensLines(e: Explanation): string[] {
  const lines = [`logit lens: p(${visibleToken(e.target.text)}) and the top predictions read off each residual stream`];
  e.lens.forEach((l, i) => {
    const where = i === 0 ? 'embeddings' : i === e.lens.length - 1 ? 'output' : `after block ${i - 1}`;
    const top = l.topk.slice(0, 4).map((t) => `${visibleToken(t.text)} ${formatProb(t.prob)}`).join('  ');
    lines.push(`  ${pad(where, 16)}${pad(formatProb(l.targetProb), 10)}${pad(displayRank(l.targetRank), 9)}${top}`);
  });
  const m = lensMilestones(e.lens);
  const at = (x: typeof m.top1) => (x === null ? 'never' : x.afterBlocks === 0 ? 'at the embeddings' : `after block ${x.afterBlocks - 1}`);
  lines.push(`  first top 1: ${at(m.top1)}; first in the top 10: ${at(m.top10)}`);
  return lines;
}

function attentionLines(e: Explanation): string[] {
  const lines = ['attention of this token (per head: strongest key, mean distance back, entropy)'];
  for (const a of e.attention) {
    const key = `${visibleToken(e.windowTokens[a.maxToken - e.windowStart].text)} #${a.maxToken}`;
    lines.push(`  ${pad(a.name, 7)}${pad(`${formatProb(a.maxWeight)} on ${key} (${e.position - a.maxToken} back)`, 44)}mean ${formatNumber(a.meanDistance, 1)} back, entropy ${formatNumber(a.entropy)}`);
  }
  return lines;
}

function attributionLines(e: Explanation, engine: Pick<Engine, 'featureLabel'>): string[] {
  const what = e.versus ? `logit(${visibleToken(e.target.text)}) - logit(${visibleToken(e.versus.text)})` : `logit(${visibleToken(e.target.text)})`;
  const lines = [`direct logit attribution of ${what} = ${formatNumber(e.logit, 3)}; each group adds up to it`];
  for (const g of e.groups) {
    const terms = groupTerms(e, g.name);
    const title = g.name === 'model' ? 'model components'
      : g.path === 'mlp-out' ? `dictionary ${shortHook(g.name)} (through its MLP's output) and the other components`
        : `dictionary ${shortHook(g.name)} (along the residual stream from its hook) and the components after it`;
    lines.push(`  ${title}:`);
    const shown = [...terms].sort((a, b) => Math.abs(b.value) - Math.abs(a.value)).slice(0, TERMS_SHOWN);
    for (const t of shown) lines.push(`    ${pad(termName(t, engine), 48)} ${signed(t.value)}`);
    const rest = terms.filter((t) => !shown.includes(t));
    if (rest.length) lines.push(`    ${pad(`${rest.length} more terms`, 48)} ${signed(rest.reduce((s, t) => s + t.value, 0))}`);
  }
  return lines;
}

export function formatExplanation(e: Explanation, engine: Pick<Engine, 'featureLabel'>): string {
  const next = e.targetIsNext ? 'the next token' : 'not the token that follows';
  const head = [
    `token #${e.position} ${visibleToken(e.token.text)} [${e.token.start}, ${e.token.end}) — the model saw tokens ${e.windowStart}..${e.position}`,
    `target ${visibleToken(e.target.text)} (id ${e.target.id}, ${next})${e.versus ? ` versus ${visibleToken(e.versus.text)} (id ${e.versus.id})` : ''}`,
  ];
  return [...head, '', ...lensLines(e), '', ...attentionLines(e), '', ...attributionLines(e, engine)].join('\n');
}
