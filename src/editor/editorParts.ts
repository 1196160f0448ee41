// The editor layer's shared parts, built once in activate() and handed to the command groups and views
// that read or show analyses (each one's deps interface extends this).
import type { AnalysisStore } from './analysisStore';
import type { HeatmapDecorations } from './decorations';
import type { DocumentTracker } from './documentTracker';
import type { Logger } from './logger';
import type { ModelHost } from './modelHost';
import type { Settings } from '../settings';

export interface EditorParts {
  store: AnalysisStore;
  tracker: DocumentTracker;
  model: ModelHost;
  heatmap: HeatmapDecorations;
  settings: () => Settings;
  log: Logger;
}
