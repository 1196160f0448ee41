// The document size limit counts UTF-8 bytes (which bound the tokens the model runs on), not characters;
// the extension and the CLI share its default and ceiling; a workspace cannot raise it in an untrusted
// folder; the status bar says why a document is not analysed.
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
vi.mock('vscode', async () => (await import('./editorFakeVscode')).vscodeModule());
import { checkEligibility, documentFacts } from '../../src/editor/document/eligibility';
import { DEFAULT_SETTINGS, readSettings } from '../../src/settings';
import { DEFAULT_MAX_DOCUMENT_BYTES, MAX_DOCUMENT_BYTES_CEILING } from '../../src/shared/limits';
import { statusView } from '../../src/editor/statusBar';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const ready = { kind: 'ready', modelId: 'code-gpt2-2l' } as Parameters<typeof statusView>[0];

describe('document size limit', () => {
  it('counts bytes: fewer CJK characters than the limit (3 bytes and up to 3 tokens each) are over the default', () => {
    // Half the limit in characters, one and a half times it in bytes: a character count would admit it.
    const cjk = '漢字'.repeat(DEFAULT_MAX_DOCUMENT_BYTES / 4);
    expect(cjk.length).toBeLessThan(DEFAULT_MAX_DOCUMENT_BYTES);
    const r = checkEligibility(documentFacts('plaintext', 'file', cjk), DEFAULT_SETTINGS);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe('it is too large');
      expect(r.detail).toContain(`${(cjk.length * 3).toLocaleString('en-US')} bytes (UTF-8)`);
      expect(r.detail).toContain(`activationInspector.maxDocumentSize (${DEFAULT_MAX_DOCUMENT_BYTES.toLocaleString('en-US')} bytes)`);
    }
    expect(checkEligibility(documentFacts('plaintext', 'file', 'a'.repeat(DEFAULT_MAX_DOCUMENT_BYTES)), DEFAULT_SETTINGS)).toEqual({ ok: true });
  });

  it('the status bar says the document is not analysed and why', () => {
    const r = checkEligibility(documentFacts('plaintext', 'file', '字'.repeat(100_000)), DEFAULT_SETTINGS);
    if (r.ok) throw new Error('expected a refusal');
    const view = statusView(ready, { kind: 'skipped', reason: r.reason, detail: r.detail });
    expect(view.text).toContain('not analysed because it is too large');
    expect(view.message).toContain('300,000 bytes');
  });

  it('has one default and one ceiling, shared with the CLI, in the code and in package.json', () => {
    expect(DEFAULT_SETTINGS.maxDocumentSize).toBe(DEFAULT_MAX_DOCUMENT_BYTES);
    expect(readSettings((k) => (k === 'maxDocumentSize' ? 1e12 : undefined)).maxDocumentSize).toBe(MAX_DOCUMENT_BYTES_CEILING);
    const prop = pkg.contributes.configuration.properties['activationInspector.maxDocumentSize'] as { default: number; maximum: number; markdownDescription: string };
    expect(prop.default).toBe(DEFAULT_MAX_DOCUMENT_BYTES);
    expect(prop.maximum).toBe(MAX_DOCUMENT_BYTES_CEILING);
    expect(prop.markdownDescription).toMatch(/bytes \(UTF-8\)/);
  });

  it('is restricted in untrusted workspaces, like the model path', () => {
    expect(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations).toContain('activationInspector.maxDocumentSize');
  });
});
