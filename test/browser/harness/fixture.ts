// The committed analysis the browser tests render (made by fixtures/make-panel-fixture.ts from the
// real engine and bundle).
import fs from 'node:fs';
import path from 'node:path';
import type { AnalysisResult, Explanation } from '../../../src/engine';
import type { FeatureCard, PanelModelInfo } from '../../../src/protocol';

export interface PanelFixture {
  source: string;
  model: PanelModelInfo;
  docUri: string;
  fileName: string;
  text: string;
  result: AnalysisResult;
  /** hook -> feature index -> label */
  labels: Record<string, Record<string, string>>;
  /** hook -> feature index -> label score, readability, positional flag (bundles that score their labels). */
  facts?: Record<string, Record<string, { score?: number; readable?: boolean; positional?: boolean }>>;
  /** `${hook}#${index}` -> card */
  cards: Record<string, FeatureCard>;
  /** Document token index -> the engine's explanation of the prediction after it. */
  explanations: Record<string, Explanation>;
}

export const FIXTURE_PATH = path.resolve(__dirname, '../fixtures/panel-fixture.json');

export function loadFixture(): PanelFixture {
  return JSON.parse(fs.readFileSync(FIXTURE_PATH, 'utf8')) as PanelFixture;
}
