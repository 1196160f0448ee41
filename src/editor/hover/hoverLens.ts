// The hover's "why" line, as a pure function: where the predicted next token first reaches the top 1
// and the top 10 of the logit lens when the inspector has already explained this token (a hover never
// runs the model), else a link that selects the token and opens the inspector's "Why" section.
import { COMMANDS } from '../../shared/commands';
import { type LensSummary, lensMilestoneText } from '../../shared/lensSummary';
import { visibleToken } from '../../shared/present';

/** `codeSpan` and `commandUri` of the hover builder, passed in so this module stays a leaf. */
export interface HoverMarkdownKit {
  codeSpan(text: string): string;
  commandUri(command: string, args: unknown[]): string;
}

export function lensLine(lens: LensSummary | undefined, uri: string, offset: number, kit: HoverMarkdownKit): string {
  const link = `[${lens ? 'Why?' : 'Explain this prediction'}](${kit.commandUri(COMMANDS.explainPrediction, [{ uri, offset }])} "Logit lens, attention and attribution of this prediction in the inspector")`;
  if (!lens) return link;
  return `**Logit lens:** ${kit.codeSpan(visibleToken(lens.target))} ${lensMilestoneText(lens)} · ${link}`;
}
