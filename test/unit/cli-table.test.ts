// The CLI's per-token table reads tokens, probabilities, ranks and hooks as the hover and the panel do.
import { describe, expect, it } from 'vitest';
import { formatTable, type FeatureInfo } from '../../src/cli/analyze';
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
