// Visible-first results: while a long document is analysed with a priority range (AnalysisOptions
// priorityRange), the tokens of that range arrive first, through the progress callback, as a
// PartialAnalysis. It is marked partial, names the text it belongs to (textSha256) and where its tokens
// sit in the document, so a view can show them and never mistake them for a whole result.
import type { TokenResult } from '../types';

export interface PartialAnalysis {
  readonly partial: true;
  modelId: string;
  /** sha256 (hex) of the text being analysed: a partial result is shown only for exactly this text. */
  textSha256: string;
  textLength: number;
  hooks: string[];
  /** A run of the document's tokens, in order, each with its outputs complete. */
  tokens: TokenResult[];
  /** Index of tokens[0] among the document's tokens. */
  firstToken: number;
  /** Tokens in the whole document. */
  totalTokens: number;
}
