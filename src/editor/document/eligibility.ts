// Decides, before any model work, whether a document is analysed at all, and says why not in words
// for the status bar. Pure: tests feed it plain data.
import type { Settings } from '../../settings';
import { MAX_DOCUMENT_BYTES_CEILING } from '../../shared/limits';

export interface DocumentFacts {
  languageId: string;
  scheme: string;
  /**
   * Size in UTF-8 bytes. The model's work grows with tokens, and a byte-level BPE token holds at least
   * one byte, so bytes bound tokens where characters do not (one CJK character is 3 bytes, up to 3 tokens).
   */
  bytes: number;
  /** The first few KB of the text: enough to recognise binary content cheaply. */
  head: string;
}

/** `reason` completes "not analysed because …" (short, for the status bar); `detail` says what to change. */
export type Eligibility = { ok: true } | { ok: false; reason: string; detail: string };

/** URI schemes whose documents are files a person edits (not output panes, diffs of git objects…). */
const TEXT_SCHEMES = new Set(['file', 'untitled', 'vscode-remote', 'vscode-vfs', 'vscode-userdata']);

export const BINARY_SAMPLE_CHARS = 8192;

/** NUL characters, or mostly U+FFFD replacement characters (bytes that did not decode), mean binary. */
export function looksBinary(head: string): boolean {
  if (head.includes('\u0000')) return true;
  let replaced = 0;
  for (let i = 0; i < head.length; i++) if (head.charCodeAt(i) === 0xfffd) replaced++;
  return head.length >= 16 && replaced / head.length > 0.1;
}

/** The facts eligibility needs, from the document's text. */
export function documentFacts(languageId: string, scheme: string, text: string): DocumentFacts {
  return { languageId, scheme, bytes: Buffer.byteLength(text, 'utf8'), head: text.slice(0, BINARY_SAMPLE_CHARS) };
}

export function checkEligibility(doc: DocumentFacts, settings: Settings): Eligibility {
  if (!TEXT_SCHEMES.has(doc.scheme)) {
    return { ok: false, reason: 'it is not a text file', detail: `Documents with the "${doc.scheme}:" scheme are not analysed.` };
  }
  const languages = settings.enabledLanguages;
  if (!languages.includes('*') && !languages.includes(doc.languageId)) {
    return {
      ok: false,
      reason: `${doc.languageId} is not enabled`,
      detail: `Add "${doc.languageId}" (or "*") to the setting activationInspector.enabledLanguages.`,
    };
  }
  if (doc.bytes > settings.maxDocumentSize) {
    const n = (x: number) => x.toLocaleString('en-US');
    return {
      ok: false,
      reason: 'it is too large',
      detail:
        `It is ${n(doc.bytes)} bytes (UTF-8), more than activationInspector.maxDocumentSize (${n(settings.maxDocumentSize)} bytes); ` +
        `each byte can be a token the model runs on. Raise the setting (at most ${n(MAX_DOCUMENT_BYTES_CEILING)}) to analyse it.`,
    };
  }
  if (looksBinary(doc.head)) {
    return { ok: false, reason: 'it looks binary', detail: 'The text contains NUL bytes or characters that did not decode.' };
  }
  if (doc.bytes === 0) return { ok: false, reason: 'it is empty', detail: 'There is no text to analyse.' };
  return { ok: true };
}
