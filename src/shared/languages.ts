// Language ids of common file extensions, as VS Code names them: the CLI records one in snapshots, and
// the workspace feature index applies activationInspector.enabledLanguages to files that are not open.

export const LANGUAGES: Record<string, string> = {
  '.py': 'python', '.ts': 'typescript', '.tsx': 'typescriptreact', '.js': 'javascript', '.mjs': 'javascript',
  '.cjs': 'javascript', '.jsx': 'javascriptreact', '.json': 'json', '.md': 'markdown', '.c': 'c', '.h': 'c',
  '.cpp': 'cpp', '.cc': 'cpp', '.hpp': 'cpp', '.rs': 'rust', '.go': 'go', '.java': 'java', '.sh': 'shellscript',
  '.html': 'html', '.css': 'css', '.txt': 'plaintext', '.rb': 'ruby', '.php': 'php', '.yaml': 'yaml', '.yml': 'yaml',
};

/** The language id of a file name by its extension, or undefined when the table does not know it. */
export function languageOfPath(file: string): string | undefined {
  const dot = file.lastIndexOf('.');
  const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return dot > slash ? LANGUAGES[file.slice(dot).toLowerCase()] : undefined;
}
