// The extension's command ids, as package.json `contributes.commands` declares them: registered by
// src/extension.ts, linked from the hover, run by the status bar item and the panel's host.

export const COMMANDS = Object.freeze({
  openInspector: 'activationInspector.openInspector',
  explainPrediction: 'activationInspector.explainPrediction',
  toggleHeatmap: 'activationInspector.toggleHeatmap',
  highlightFeature: 'activationInspector.highlightFeature',
  exportSnapshot: 'activationInspector.exportSnapshot',
  openSnapshot: 'activationInspector.openSnapshot',
  selectModel: 'activationInspector.selectModel',
  openInspectorToSide: 'activationInspector.openInspectorToSide',
  compareWithSaved: 'activationInspector.compareWithSaved',
  compareWithHead: 'activationInspector.compareWithHead',
  compareWithSnapshot: 'activationInspector.compareWithSnapshot',
  findFeatureInWorkspace: 'activationInspector.findFeatureInWorkspace',
  editFeature: 'activationInspector.editFeature',
  spliceHook: 'activationInspector.spliceHook',
  removeEdit: 'activationInspector.removeEdit',
  clearEdits: 'activationInspector.clearEdits',
  showEditEffect: 'activationInspector.showEditEffect',
  continueHere: 'activationInspector.continueHere',
  insertContinuation: 'activationInspector.insertContinuation',
});
