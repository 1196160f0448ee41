// Hover: reads the stored analysis valid for the hovered document version; never runs the model.
import * as vscode from 'vscode';
import type { Settings } from '../../settings';
import type { LensSummary } from '../../shared/lensSummary';
import type { AnalysisStore } from '../document/analysisStore';
import { key } from '../document/documentKey';
import { buildHoverMarkdown, HOVER_COMMANDS, type HoverEdited, type HoverFeatureFacts } from './hoverBuilder';
import { tokenIndexAtOffset } from '../document/tokenLookup';

export class AnalysisHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly store: AnalysisStore,
    private readonly settings: () => Settings,
    private readonly labelOf: (hook: string, index: number) => string | undefined,
    private readonly densityOf: (hook: string, index: number) => number | undefined = () => undefined,
    /** The inspector's logit-lens summary of a token it explained (never computed for a hover). */
    private readonly lensOf: (docKey: string, version: number, index: number) => LensSummary | undefined = () => undefined,
    /** The token's edited numbers while feature edits are active (only a result for this very version and edit list). */
    private readonly editedOf: (docKey: string, version: number, index: number) => HoverEdited | undefined = () => undefined,
    /** Label score, readability and positional flag of a feature (the engine's featureFacts); undefined for older bundles. */
    private readonly factsOf: (hook: string, index: number) => HoverFeatureFacts | undefined = () => undefined,
  ) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    // The current version's analysis, or the still-valid prefix of the previous one while an edit is
    // being analysed (the model is causal: text before the edit has the same results).
    const stored = this.store.prefix(key(document), document.version);
    if (!stored) return undefined;
    const offset = document.offsetAt(position);
    const index = tokenIndexAtOffset(stored.result.tokens, offset);
    if (index < 0 || index >= stored.validTokens) return undefined;
    const token = stored.result.tokens[index]!;
    const settings = this.settings();
    const markdown = buildHoverMarkdown({
      result: stored.result,
      index,
      uri: document.uri.toString(),
      labelOf: this.labelOf,
      densityOf: this.densityOf,
      factsOf: this.factsOf,
      hooks: settings.hooks,
      maxFeatures: settings.featuresPerToken,
      // A hover has little room: the first few rows here, all top-k in the inspector.
      maxExpected: Math.min(settings.topK, 5),
      maxNext: Math.min(settings.topK, 3),
      lens: this.lensOf(key(document), document.version, index),
      edited: this.editedOf(key(document), document.version, index),
    });
    const md = new vscode.MarkdownString(markdown);
    md.isTrusted = { enabledCommands: [...HOVER_COMMANDS] };
    md.supportHtml = false;
    return new vscode.Hover(md, new vscode.Range(document.positionAt(token.start), document.positionAt(token.end)));
  }
}
