// Hostile feature cards in a loaded bundle: each is refused with a message naming cards.bin, the other
// cards still read, and reading it never holds the event loop (the extension host's, in the editor) for
// 200 ms or more: cards inflate asynchronously, up to the card size limit, and are parsed only below it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { SYN_HOOKS, writeSyntheticBundle } from './bundle-fixtures';
import { expectHostileCardRefused, HOSTILE_CARDS } from './bundle-hostile-fixtures';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-hostile-cards-'));
const good = path.join(tmp, 'good');
beforeAll(() => writeSyntheticBundle(good));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('hostile cards', () => {
  for (const [name, card] of Object.entries(HOSTILE_CARDS)) {
    it(name, async () => {
      const dir = path.join(tmp, name.replace(/\W+/g, '-'));
      fs.cpSync(good, dir, { recursive: true });
      await expectHostileCardRefused(dir, `cards/${SYN_HOOKS[0].name}`, SYN_HOOKS[0].name, card);
    });
  }
});
