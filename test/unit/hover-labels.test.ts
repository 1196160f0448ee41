// Feature labels come from a bundle and may hold anything: rendered as a hover, nothing in a label may
// become a link. VS Code renders hover markdown with marked, GFM on (autolinks: https://…, www.…, e-mail).
import { marked } from 'marked';
import { describe, expect, it, vi } from 'vitest';
vi.mock('vscode', async () => (await import('./editorFakeVscode')).vscodeModule());
import { buildHoverMarkdown } from '../../src/editor/hover/hoverBuilder';
import { fakeAnalysis } from './editorFakeEngine';

const HOSTILE_LABELS = [
  'see https://evil.example/login now',
  'ftp://evil.example/file',
  'www.evil.example/home',
  'mail admin@evil.example',
  'evil.example/path',
  '<https://evil.example/angle>',
  '[click](https://evil.example/md)',
  '![img](https://evil.example/i.png)',
  'https\\://evil.example/escaped',
];

const render = (md: string): string => marked.parse(md, { gfm: true, async: false });

describe('hover labels never become links', () => {
  const result = fakeAnalysis('def total(price, quantity):\n    return price * quantity');
  const index = result.tokens.findIndex((t) => Object.values(t.features).some((f) => f.length > 0));

  it.each(HOSTILE_LABELS)('%s', (label) => {
    const md = buildHoverMarkdown({ result, index, uri: 'file:///a.py', labelOf: () => label, hooks: [], maxFeatures: 5 });
    const html = render(md);
    const hrefs = [...html.matchAll(/(?:href|src)="([^"]*)"/g)].map((m) => m[1]!);
    expect(hrefs.length).toBeGreaterThan(0); // the hover's own command links
    for (const href of hrefs) expect(href, html).toMatch(/^command:/);
    expect(html).toContain('evil.example'); // the label is still shown, as text
  });
});
