// The CLI's per-token table reads tokens, probabilities, ranks and hooks as the hover and the panel do.
import { describe, expect, it } from 'vitest';
import { formatTable, orderArg, type FeatureInfo } from '../../src/cli/analyze';
import { displayRank, formatProb, shortHook, visibleToken } from '../../src/shared/present';
import { fakeAnalysis } from './editorFakeEngine';

const hook = 'blocks.0.hook_resid_post';
const labels: FeatureInfo = {
  featureLabel: (_h, i) => (i === 99 ? '' : `label ${i}\u202e"quoted"\u0085`),
  featureDensity: (_h, i) => (i === 99 ? 0.5 : 0.01),
};

describe('analyze table', () => {
  const text = 'def f(x):\n\treturn "\u202e" + "\u001b[2J"\r\n';
  const result = fakeAnalysis(text, 'fake', [hook]);
  const lines = formatTable(labels, result).split('\n');

  it('has one line per token, whatever the tokens hold', () => {
    expect(lines).toHaveLength(result.tokens.length + 1);
    expect(lines.join('\n')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });

  it('shows each token, probability and rank as the hover and the panel do', () => {
    result.tokens.forEach((t, i) => {
      const line = lines[i + 1]!;
      expect(line.startsWith(String(i))).toBe(true);
      const shown = visibleToken(t.text);
      if (shown.length < 18) expect(line).toContain(shown);
      if (t.logprob !== null && t.rank !== null) {
        expect(line).toContain(formatProb(Math.exp(t.logprob)));
        expect(line).toContain(displayRank(t.rank));
      }
      expect(line).toContain(`${visibleToken(t.topk[0]!.text)} ${formatProb(t.topk[0]!.prob)}`);
      expect(line).toContain(`${shortHook(hook)}: #`);
    });
  });

  it('quotes labels as JSON strings with invisible characters escaped, and tags dense features', () => {
    const body = lines.slice(1).join('\n');
    expect(body).toMatch(/#\d+ "label \d+\\u\{202E\}\\"quoted\\"\\u\{0085\}" \d+\.\d\d/);
    expect(body).toMatch(/#99 \[dense 50%\] 0\.50/);
  });
});

describe('analyze table with the facts of issue 14 bundles', () => {
  const text = 'def f(x):\n\treturn x\n';
  const result = fakeAnalysis(text, 'fake', [hook]);
  // Every listed feature of the fake analysis is given facts: even indices positional, typical activation 0.25.
  const facts: FeatureInfo = {
    ...labels,
    featureFacts: (_h, i) => ({ label: `label ${i}`, rankedAfter: i % 2 === 0, positional: i % 2 === 0, typicalActivation: 0.25 }),
  };
  const body = formatTable(facts, result).split('\n').slice(1).join('\n');

  it('tags positional features as dense ones are tagged, and gives each activation over its typical one', () => {
    const hits = result.tokens.flatMap((t) => t.features[hook]!.slice(0, 3));
    expect(hits.length).toBeGreaterThan(0);
    for (const f of hits) {
      const tags = `${f.index === 99 ? ' [dense 50%]' : ''}${f.index % 2 === 0 ? ' [positional]' : ''}`;
      expect(body).toContain(`${tags} ${f.activation.toFixed(2)} ×${(f.activation / 0.25).toFixed(1)}`);
    }
    const positional = hits.filter((f) => f.index % 2 === 0).length;
    expect(body.split('[positional]').length - 1).toBe(positional);
  });

  it('lists the features in the order of the analysis', () => {
    const t = result.tokens.find((x) => x.features[hook]!.length >= 2)!;
    const line = formatTable(facts, { ...result, tokens: [t] }).split('\n')[1]!;
    const shown = [...line.matchAll(/#(\d+) /g)].map((m) => Number(m[1]));
    expect(shown).toEqual(t.features[hook]!.slice(0, 3).map((f) => f.index));
  });

  it('gives each label with its score in the hover\'s wording, a weak one as unclear', () => {
    // Indices by remainder of 3: a readable label, one below the bundle's threshold, one without a score.
    const scored: FeatureInfo = {
      featureLabel: (_h, i) => `label ${i}`,
      featureDensity: () => 0.01,
      featureFacts: (_h, i) => ({
        label: `label ${i}`,
        rankedAfter: false,
        ...(i % 3 === 0 ? { score: 0.62, readable: true } : i % 3 === 1 ? { score: 0.21, readable: false } : {}),
      }),
    };
    const shown = formatTable(scored, result).split('\n').slice(1).join('\n');
    const hits = result.tokens.flatMap((t) => t.features[hook]!.slice(0, 3));
    expect(hits.length).toBeGreaterThan(0);
    for (const f of hits) {
      const entry =
        f.index % 3 === 0 ? `#${f.index} "label ${f.index}" (score 0.62) ` : f.index % 3 === 1 ? `#${f.index} unclear (score 0.21) — best guess: "label ${f.index}" ` : `#${f.index} "label ${f.index}" ${f.activation.toFixed(2)}`;
      expect(shown).toContain(entry);
    }
  });

  it('gives no score for a feature that never fires on held-out text, and none without a label', () => {
    const t = result.tokens.find((x) => x.features[hook]!.length >= 1)!;
    const f = t.features[hook]![0]!;
    const dead: FeatureInfo = { featureLabel: () => 'dead (never fired on held-out text)', featureDensity: () => 0, featureFacts: () => ({ label: 'dead', rankedAfter: false, score: 0, readable: false }) };
    expect(formatTable(dead, { ...result, tokens: [t] })).toContain(`#${f.index} "dead (never fired on held-out text)" ${f.activation.toFixed(2)}`);
    const unlabelled: FeatureInfo = { featureLabel: () => '', featureDensity: () => 0.01, featureFacts: () => ({ label: '', rankedAfter: false, score: 0.62, readable: true }) };
    expect(formatTable(unlabelled, { ...result, tokens: [t] })).toContain(`#${f.index} ${f.activation.toFixed(2)}`);
  });

  it('reads --order', () => {
    expect(orderArg(undefined)).toBe('unusual');
    expect(orderArg('activation')).toBe('activation');
    expect(() => orderArg('random')).toThrow(/--order must be unusual or activation/);
  });
});
