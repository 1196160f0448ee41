// Arguments of the commands a hover link or another extension may run with a document place: what
// arrives is whatever the caller passed, so only well-formed parts are kept.

/** { uri, offset } of a command argument: a string uri and a whole, non-negative offset, each left
 *  undefined when missing or malformed; undefined when the argument is not an object. */
export function offsetArg(arg: unknown): { uri?: string; offset?: number } | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const { uri, offset } = arg as Record<string, unknown>;
  return {
    uri: typeof uri === 'string' ? uri : undefined,
    offset: typeof offset === 'number' && Number.isInteger(offset) && offset >= 0 ? offset : undefined,
  };
}
