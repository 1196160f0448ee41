import { describe, expect, it, vi } from 'vitest';
vi.mock('vscode', async () => (await import('./editorFakeVscode')).vscodeModule());
import { AnalysisStore } from '../../src/editor/document/analysisStore';
import { bar, buildHoverMarkdown, codeSpan, escapeMarkdown, HOVER_COMMANDS } from '../../src/editor/hover/hoverBuilder';
import { AnalysisHoverProvider } from '../../src/editor/hover/hoverProvider';
import { DENSE_FEATURE } from '../../src/shared/featureDensity';
import { DEFAULT_SETTINGS } from '../../src/settings';
import { COMMANDS } from '../../src/shared/commands';
import { displayRank, formatProb } from '../../src/shared/present';
import { fakeAnalysis } from './editorFakeEngine';
import { lensLine } from '../../src/editor/hover/hoverLens';
import { lensMilestoneText, lensStage, lensSummary } from '../../src/shared/lensSummary';
import { fake, type FakeDocument, type Hover, Position } from './editorFakeVscode';

const labelOf = (_h: string, i: number) => (i === 99 ? undefined : `label ${i}`);

function hoverFor(text: string, index: number) {
  const result = fakeAnalysis(text);
  return { result, md: buildHoverMarkdown({ result, index, uri: 'file:///a.py', labelOf, hooks: [], maxFeatures: 5 }) };
}

describe('hover builder', () => {
  it('starts with the token in backticks, whitespace made visible', () => {
    const { md } = hoverFor('def  foo(x):\n\treturn x', 1);
    expect(md.split('\n')[0]).toMatch(/^`··`/);
    const tab = hoverFor('a\n\tb', 1).md.split('\n')[0]!;
    expect(tab.startsWith('`↵→`')).toBe(true);
  });

  it('shows probability, rank (1-based) and surprisal in bits from the stored numbers', () => {
    const { result, md } = hoverFor('import os', 2);
    const t = result.tokens[2]!;
    const first = md.split('\n')[0]!;
    expect(first).toContain(`rank **#${t.rank! + 1}**`);
    expect(first).toContain(`rank **${displayRank(t.rank!)}**`);
    expect(first).toContain(`**${(-t.logprob! / Math.LN2).toFixed(2)}** bits`);
    expect(first).toContain(`p **${formatProb(Math.exp(t.logprob!))}**`);
    expect(first).toMatch(/p \*\*[\d.]+%\*\*/);
  });

  it('says the first token had nothing to predict it', () => {
    expect(hoverFor('hello world', 0).md.split('\n')[0]).toContain('first token');
  });

  it('never lets a bidi or control character through raw, in a token or in a label', () => {
    const result = fakeAnalysis('x = "\u202e" + "\u0085"');
    const evilLabel = (_h: string, i: number) => `label\u2066 ${i}\u0007`;
    for (let index = 0; index < result.tokens.length; index++) {
      const md = buildHoverMarkdown({ result, index, uri: 'u', labelOf: evilLabel, hooks: [], maxFeatures: 5 });
      expect(md).not.toMatch(/[\u202e\u2066\u0085\u0007]/);
    }
    const bidi = result.tokens.findIndex((t) => t.text === '\u202e');
    const md = buildHoverMarkdown({ result, index: bidi, uri: 'u', labelOf: evilLabel, hooks: [], maxFeatures: 5 });
    expect(md.split('\n')[0]).toMatch(/^`\\u\{202E\}`/);
    expect(md).toContain('label\\\\u\\{2066\\}');
  });

  it('lists the expected tokens with bars, marks the actual token, and the next prediction', () => {
    const result = fakeAnalysis('x = y');
    result.tokens[1]!.topk.push({ id: result.tokens[2]!.id, text: '=', prob: 0.05 });
    const md = buildHoverMarkdown({ result, index: 2, uri: 'u', labelOf, hooks: [], maxFeatures: 5 });
    expect(md).toContain('**Expected here**');
    expect(md).toContain('**Predicts next**');
    expect(md).toMatch(/- `█{10}` 40% `·the`/);
    expect(md).toContain('◀ actual');
  });

  it('lists features with label, hook and a highlight link; unlabeled ones say so; labels are escaped', () => {
    const result = fakeAnalysis('a b');
    const md = buildHoverMarkdown({ result, index: 1, uri: 'file:///a.py', labelOf: (_h, i) => (i === 99 ? undefined : '*bold* [x](command:evil)'), hooks: [], maxFeatures: 5 });
    expect(md).toContain('**Top features**');
    expect(md).toContain('\\*bold\\* \\[x\\]\\(command\\:evil\\)');
    expect(md).toContain('*(no label)*');
    expect(md).toContain('`blocks.0.hook_resid_post`');
  });

  it('marks dense features (>= 10% of tokens) with how often they fire; sparse or unknown ones stay plain', () => {
    const result = fakeAnalysis('a b');
    const [hook] = result.hooks;
    const [top, unlabeled] = result.tokens[1]!.features[hook!]!;
    const density = (h: string, i: number) => (i === top!.index ? 0.376 : i === unlabeled!.index ? DENSE_FEATURE / 2 : undefined);
    const lines = buildHoverMarkdown({ result, index: 1, uri: 'u', labelOf, densityOf: density, hooks: [], maxFeatures: 5 }).split('\n');
    const row = (i: number) => lines.find((l) => l.includes(`**#${i}**`))!;
    expect(row(top!.index)).toContain(`label ${top!.index} · *dense: fires on 38% of tokens* · `);
    expect(row(unlabeled!.index)).not.toContain('dense');
    expect(buildHoverMarkdown({ result, index: 1, uri: 'u', labelOf, hooks: [], maxFeatures: 5 })).not.toContain('dense');
  });

  it("shows each label's score, calls a label below the readable threshold unclear, and tags positional features", () => {
    const result = fakeAnalysis('a b');
    const [hook] = result.hooks;
    const [top] = result.tokens[1]!.features[hook!]!;
    const facts = (_h: string, i: number) => (i === top!.index ? { score: 0.21, readable: false, positional: true } : { score: 0.62, readable: true });
    const lines = buildHoverMarkdown({ result, index: 1, uri: 'u', labelOf, factsOf: facts, hooks: [], maxFeatures: 5 }).split('\n');
    const row = (i: number) => lines.find((l) => l.includes(`**#${i}**`))!;
    expect(row(top!.index)).toContain(`unclear \\(score 0\\.21\\) — best guess\\: label ${top!.index} · *positional: fires at certain positions of the window* · `);
    // Feature 99 has no label: no score is invented for it.
    expect(row(99)).toContain('*(no label)*');
    expect(row(99)).not.toContain('score');
    const readable = buildHoverMarkdown({ result, index: 1, uri: 'u', labelOf: () => 'calls', factsOf: () => ({ score: 0.62, readable: true }), hooks: [], maxFeatures: 5 });
    expect(readable).toContain('calls \\(score 0\\.62\\)');
    expect(readable).not.toContain('unclear');
    expect(readable).not.toContain('positional');
    // Older bundles: no facts, labels as they were.
    expect(buildHoverMarkdown({ result, index: 1, uri: 'u', labelOf, hooks: [], maxFeatures: 5 })).not.toMatch(/score|unclear|positional/);
  });

  it("keeps the engine's order of each hook's features (no re-sort by activation) and interleaves the hooks", () => {
    const result = fakeAnalysis('a b', 'fake-model', ['h.a', 'h.b']);
    result.tokens[1]!.features = {
      'h.a': [{ index: 1, activation: 0.5 }, { index: 2, activation: 9 }, { index: 3, activation: 4 }],
      'h.b': [{ index: 7, activation: 2 }],
    };
    const md = buildHoverMarkdown({ result, index: 1, uri: 'u', labelOf, hooks: [], maxFeatures: 3 });
    const order = [...md.matchAll(/\*\*#(\d+)\*\* label/g)].map((m) => Number(m[1]));
    expect(order).toEqual([1, 7, 2]);
    // Bars are scaled to the largest activation shown, wherever it is listed.
    expect(md).toContain(`\`${bar(1)}\` 9.00 **#2**`);
  });

  it('links only to our own commands, with JSON arguments', () => {
    const { md } = hoverFor('a b c', 1);
    const links = [...md.matchAll(/\(command:([\w.]+)\?([^ )]+)/g)];
    expect(links.length).toBeGreaterThanOrEqual(2);
    for (const [, cmd, args] of links) {
      expect(HOVER_COMMANDS).toContain(cmd);
      expect(Array.isArray(JSON.parse(decodeURIComponent(args!)))).toBe(true);
    }
    expect(md).toContain('[Show in inspector](command:activationInspector.openInspector');
    expect(md).toContain('[Highlight this feature in the document](command:activationInspector.highlightFeature');
  });

  it('respects maxFeatures and the hooks filter', () => {
    const result = fakeAnalysis('a b');
    expect(buildHoverMarkdown({ result, index: 1, uri: 'u', labelOf, hooks: [], maxFeatures: 0 })).not.toContain('Top features');
    expect(buildHoverMarkdown({ result, index: 1, uri: 'u', labelOf, hooks: ['other.hook'], maxFeatures: 5 })).not.toContain('Top features');
  });

  it('code spans survive backticks; bars have fixed width; markdown is escaped', () => {
    expect(codeSpan('a`b')).toBe('`` a`b ``');
    expect(codeSpan('`')).toBe('`` ` ``');
    expect(bar(0.5)).toBe('█████\u00a0\u00a0\u00a0\u00a0\u00a0');
    expect(bar(1.7)).toBe('██████████');
    expect(bar(Number.NaN)).toBe('\u00a0'.repeat(10));
    expect(bar(0.55)).toBe('█████▌\u00a0\u00a0\u00a0\u00a0');
    expect(escapeMarkdown('a|b<c>')).toBe('a\\|b\\<c\\>');
  });
});

describe('hover provider', () => {
  it('answers only for the exact analysed version, never recomputing', () => {
    fake.reset();
    const store = new AnalysisStore();
    const provider = new AnalysisHoverProvider(store, () => DEFAULT_SETTINGS, labelOf);
    const { doc } = fake.open('/w/a.py', 'import os\nx = 1');
    store.set(doc.uri.toString(), doc.version, fakeAnalysis(doc.getText()));
    const hover = provider.provideHover(doc as never, new Position(0, 8) as never) as unknown as Hover;
    expect(hover.contents.value.split('\n')[0]).toMatch(/^`os`/);
    expect(hover.contents.isTrusted).toEqual({ enabledCommands: [COMMANDS.openInspector, COMMANDS.highlightFeature, COMMANDS.explainPrediction, COMMANDS.findFeatureInWorkspace, COMMANDS.editFeature, COMMANDS.clearEdits] });
    expect(hover.range?.start).toEqual(new Position(0, 7));
    (doc as FakeDocument).edit(0, 0, '#');
    expect(provider.provideHover(doc as never, new Position(0, 8) as never)).toBeUndefined();
  });

  it('while a later edit is analysed, answers for tokens before it and not at or after it', () => {
    fake.reset();
    const store = new AnalysisStore();
    const provider = new AnalysisHoverProvider(store, () => DEFAULT_SETTINGS, labelOf);
    const { doc } = fake.open('/w/a.py', 'import os\nimport sys\nx = os.name + sys.name\n');
    store.set(doc.uri.toString(), doc.version, fakeAnalysis(doc.getText()));
    const at = doc.getText().indexOf('x =');
    doc.edit(at, 0, 'y');
    store.noteEdit(doc.uri.toString(), doc.version, at);
    expect((provider.provideHover(doc as never, new Position(0, 8) as never) as unknown as Hover).contents.value).toMatch(/^`os`/);
    expect(provider.provideHover(doc as never, doc.positionAt(at + 3) as never)).toBeUndefined();
    expect(provider.provideHover(doc as never, doc.positionAt(at - 3) as never)).toBeUndefined(); // 'sys' just before: may merge
  });
});

describe('hover lens line', () => {
  const kit = { codeSpan, commandUri: (c: string, a: unknown[]) => `command:${c}?${encodeURIComponent(JSON.stringify(a))}` };
  const ranks = (...r: number[]) => r.map((targetRank) => ({ targetRank }));

  it('says where the next token first reaches the top 10 and the top 1 of the lens, or that it never does', () => {
    expect(lensMilestoneText(lensSummary(ranks(40, 3, 0), '_'))).toBe('reaches the top 10 after L0 and the top 1 after L1 (the output)');
    expect(lensMilestoneText(lensSummary(ranks(40, 0, 0), '_'))).toBe('reaches the top 1 after L0');
    expect(lensMilestoneText(lensSummary(ranks(0, 0, 0), '_'))).toBe('reaches the top 1 already at the embeddings');
    expect(lensMilestoneText(lensSummary(ranks(400, 30, 5), '_'))).toBe('reaches the top 10 after L1 (the output) but never the top 1');
    expect(lensMilestoneText(lensSummary(ranks(400, 30, 12), '_'))).toBe('never reaches the top 10');
    expect(lensStage(0, 2)).toBe('the embeddings');
    expect(lensStage(2, 2)).toBe('L1 (the output)');
  });

  it('shows the lens when the token was explained, else offers "Explain this prediction" (never runs the model)', () => {
    const lens = lensSummary(ranks(40, 3, 0), '\n`x');
    const line = lensLine(lens, 'file:///a.py', 7, kit);
    expect(line).toMatch(/^\*\*Logit lens:\*\* `` ↵`x `` reaches the top 10 after L0 and the top 1 after L1 \(the output\)/);
    expect(line).toContain(`command:${COMMANDS.explainPrediction}?`);
    const offer = lensLine(undefined, 'file:///a.py', 7, kit);
    expect(offer).toMatch(/^\[Explain this prediction\]\(command:activationInspector\.explainPrediction\?/);
    expect(JSON.parse(decodeURIComponent(offer.split('?')[1]!.split(' ')[0]!.replace(/\)$/, '')))).toEqual([{ uri: 'file:///a.py', offset: 7 }]);
  });

  it('the hover carries it under "Predicts next", from what the provider is given', () => {
    const result = fakeAnalysis('import os');
    const plain = buildHoverMarkdown({ result, index: 1, uri: 'u', labelOf, hooks: [], maxFeatures: 5 });
    expect(plain).toContain('[Explain this prediction]');
    expect(plain).not.toContain('**Logit lens:**');
    const explained = buildHoverMarkdown({ result, index: 1, uri: 'u', labelOf, hooks: [], maxFeatures: 5, lens: lensSummary(ranks(40, 0, 0), ' os') });
    expect(explained).toContain('**Logit lens:** `·os` reaches the top 1 after L0');
    expect(explained.indexOf('Logit lens')).toBeGreaterThan(explained.indexOf('Predicts next'));
    fake.reset();
    const store = new AnalysisStore();
    const asked: [string, number, number][] = [];
    const provider = new AnalysisHoverProvider(store, () => DEFAULT_SETTINGS, labelOf, undefined, (k, v, i) => {
      asked.push([k, v, i]);
      return i === 2 ? lensSummary(ranks(40, 0, 0), 'x') : undefined;
    });
    const { doc } = fake.open('/w/a.py', 'import os\nx = 1');
    store.set(doc.uri.toString(), doc.version, fakeAnalysis(doc.getText()));
    const hover = provider.provideHover(doc as never, new Position(0, 8) as never) as unknown as Hover;
    expect(asked).toEqual([[doc.uri.toString(), doc.version, 2]]);
    expect(hover.contents.value).toContain('**Logit lens:** `x` reaches the top 1 after L0');
  });
});
