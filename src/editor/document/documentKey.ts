// How a document and its text are identified: the key the analysis store, the tracker and the panel
// file a document under, and the text hash an analysis is checked against before it is used.
import { createHash } from 'node:crypto';
import type * as vscode from 'vscode';

/** The key a document's analysis is filed under: its URI, as a string. */
export function key(doc: vscode.TextDocument): string {
  return doc.uri.toString();
}

/** SHA-256 of a document's text (UTF-8), in hex: proves an analysis or a snapshot is of this very text. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
