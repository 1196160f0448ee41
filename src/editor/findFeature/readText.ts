// A workspace file's text for the index, read as VS Code reads it (workspace.fs), or null when it is not
// indexable: larger than the limit, binary (NUL bytes), or not UTF-8. A leading byte-order mark is
// dropped, as editors do, so offsets match the open document.
import * as vscode from 'vscode';

export async function readWorkspaceText(uri: vscode.Uri, maxBytes: number): Promise<string | null> {
  try {
    const bytes = await vscode.workspace.fs.readFile(uri);
    if (bytes.byteLength > maxBytes || bytes.subarray(0, 65536).includes(0)) return null;
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return text.startsWith('\uFEFF') ? text.slice(1) : text;
  } catch {
    return null;
  }
}
