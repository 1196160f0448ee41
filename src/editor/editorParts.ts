// The editor layer's shared parts, built once in activate() and handed to the command groups and views
// that read or show analyses (each one's deps interface extends this).
import type { AnalysisStore } from './document/analysisStore';
import type { HeatmapDecorations } from './decorations/heatmapDecorations';
import type { DocumentTracker } from './document/documentTracker';
import type { Logger } from './logger';
import type { ModelHost } from './model/modelHost';
import type { Settings } from '../settings';

export interface EditorParts {
  store: AnalysisStore;
  tracker: DocumentTracker;
  model: ModelHost;
  heatmap: HeatmapDecorations;
  settings: () => Settings;
  log: Logger;
}
