// JSON.parse for files read from disk, with an error message that never quotes the text. V8's own
// messages quote the start of the input ('Unexpected token 'r', "root:x:0:0:…" is not valid JSON'), so a
// file that is not what it claims to be (a link to a private file, a secret in a workspace) would have
// its content echoed into logs, notifications and the CLI's stderr.

export type JsonParsed = { ok: true; value: unknown } | { ok: false; message: string };

/** What is wrong with the text, without any of its content: "not valid JSON (at character 7)". */
export function jsonSyntaxProblem(error: unknown): string {
  const message = (error as Error)?.message ?? '';
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position !== undefined) return `not valid JSON (at character ${position})`;
  if (/Unexpected end of JSON input/.test(message)) return 'not valid JSON (it ends too early)';
  return 'not valid JSON';
}

export function parseJsonText(text: string): JsonParsed {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, message: jsonSyntaxProblem(e) };
  }
}

/** A value from a file, as JSON, cut to `max` characters: messages name what is wrong without carrying a huge value. */
export function quoted(value: unknown, max = 60): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
