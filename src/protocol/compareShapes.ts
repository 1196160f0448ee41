// Run-time shape of the comparison message (compareMessages.ts has the type); validate.ts joins it to
// its table, so both ends check it like every other message.
import { type Check, int, literal, nullable, obj, refine, str } from './check';
import { COMPARISON_BIN_CODES, type ComparisonMessage } from './compareMessages';

/** Tokens of the largest document the extension analyses, with room to spare. */
export const MAX_COMPARED_TOKENS = 10_000_000;

const codes = new RegExp(`^[${COMPARISON_BIN_CODES.replace('-', '\\-')}]*$`);

export function compareShapes(c: { uri: Check; label: Check }): { comparison: Check } {
  return {
    comparison: refine(
      obj({ type: literal('comparison'), docUri: c.uri, version: int(), label: nullable(c.label), bins: str(MAX_COMPARED_TOKENS) }),
      (m: ComparisonMessage) => (codes.test(m.bins) ? null : 'comparison bins hold an unknown code'),
    ),
  };
}
