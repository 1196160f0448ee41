// The committed feature edit the browser tests render (made by fixtures/make-edit-fixture.ts from the
// real engine and bundle): an edited analysis of the panel fixture's text and continuations from one place.
import fs from 'node:fs';
import path from 'node:path';
import type { Continuation, EditedAnalysis, FeatureEdit } from '../../../src/engine';

export interface EditFixture {
  source: string;
  edit: FeatureEdit;
  edited: EditedAnalysis;
  continuation: { offset: number; plain: Continuation; edited: Continuation };
}

export const EDIT_FIXTURE_PATH = path.resolve(__dirname, '../fixtures/edit-fixture.json');

export function loadEditFixture(): EditFixture {
  return JSON.parse(fs.readFileSync(EDIT_FIXTURE_PATH, 'utf8')) as EditFixture;
}
