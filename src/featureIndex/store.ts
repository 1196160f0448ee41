// The persistent feature index: an SQLite database (sql.js) of every indexed file's content hash and
// its features' strongest occurrences (occurrences.ts), written to disk atomically by save(). A file
// that is not a sound index of this format (damaged, truncated, another program's) is never trusted:
// the store starts empty and says why. docs/feature-index.md describes the format.
import fs from 'node:fs';
import { writeFileAtomic } from './atomicFile';
import { decodeOccurrences, encodeOccurrences, PER_FILE_BOUND, type FeatureOccurrences, type Occurrence } from './occurrences';
import { loadSqlite, type Database } from './sqlite';

export const INDEX_FORMAT = 'activation-inspector-feature-index';
export const INDEX_VERSION = '1';

const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, sha256 TEXT NOT NULL, tokens INTEGER NOT NULL);
CREATE TABLE hooks (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE occurrences (
  hook_id INTEGER NOT NULL, feature INTEGER NOT NULL, file_id INTEGER NOT NULL,
  count INTEGER NOT NULL, strongest REAL NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY (hook_id, feature, file_id)
) WITHOUT ROWID;
CREATE INDEX occurrences_by_file ON occurrences (file_id);
`;

/** What the stored results were computed with: a different fingerprint means every file is stale. */
export interface IndexIdentity {
  /** Model, tokenizer and dictionary hashes plus the analysis options that decide occurrences. */
  fingerprint: string;
  /** Folder the stored paths are relative to. */
  root: string;
}

export interface FoundOccurrence extends Occurrence {
  /** Path relative to the index's root, '/'-separated. */
  file: string;
}

export interface IndexStats {
  files: number;
  tokens: number;
  features: number;
  occurrences: number;
}

function metaValue(db: Database, key: string): string | undefined {
  const r = db.exec('SELECT value FROM meta WHERE key = ?', [key]);
  return r.length ? String(r[0].values[0][0]) : undefined;
}

/** Why `db` is not a sound index of this format, or null. */
function unsoundBecause(db: Database): string | null {
  try {
    const check = db.exec('PRAGMA integrity_check');
    const verdict = check.length ? String(check[0].values[0][0]) : 'no answer';
    if (verdict !== 'ok') return `SQLite integrity check: ${verdict}`;
    if (metaValue(db, 'format') !== INDEX_FORMAT) return 'it is not a feature index';
    if (metaValue(db, 'version') !== INDEX_VERSION) return `it is format version ${metaValue(db, 'version')}, this version reads ${INDEX_VERSION}`;
    for (const t of ['files', 'hooks', 'occurrences']) {
      if (!db.exec(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = '${t}'`).length) return `its ${t} table is missing`;
    }
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

export class FeatureIndexStore {
  private dirty = false;

  private constructor(
    private readonly db: Database,
    /** Where save() writes; null for an index kept in memory. */
    readonly file: string | null,
    /** Why the store did not start from the file's content (damaged, other model); undefined when it did. */
    readonly notice: string | undefined,
  ) {}

  /** Opens the index at `file` (created when absent). Results for another fingerprint are dropped. */
  static async open(file: string | null, identity: IndexIdentity): Promise<FeatureIndexStore> {
    const SQL = await loadSqlite();
    let db: Database | undefined;
    let notice: string | undefined;
    if (file && fs.existsSync(file)) {
      try {
        const candidate = new SQL.Database(fs.readFileSync(file));
        const bad = unsoundBecause(candidate);
        if (bad) {
          candidate.close();
          notice = `The feature index ${file} was damaged or unreadable (${bad}); it is rebuilt from scratch.`;
        } else db = candidate;
      } catch (e) {
        notice = `The feature index ${file} could not be read (${(e as Error).message}); it is rebuilt from scratch.`;
      }
    }
    if (!db) {
      db = new SQL.Database();
      db.run(SCHEMA);
      db.run('INSERT INTO meta (key, value) VALUES (?, ?), (?, ?), (?, ?)', ['format', INDEX_FORMAT, 'version', INDEX_VERSION, 'perFileBound', String(PER_FILE_BOUND)]);
    }
    const store = new FeatureIndexStore(db, file, notice);
    store.adopt(identity);
    return store;
  }

  /** Opens an existing index to query it, as it is; throws with the reason when it is missing or not
   *  a sound index. */
  static async read(file: string): Promise<FeatureIndexStore> {
    if (!fs.existsSync(file)) throw new Error(`there is no feature index at ${file} (build one with: activation-inspector index FOLDER --db ${file})`);
    const SQL = await loadSqlite();
    const db = new SQL.Database(fs.readFileSync(file));
    const bad = unsoundBecause(db);
    if (bad) {
      db.close();
      throw new Error(`${file} is not a sound feature index (${bad}); run activation-inspector index again to rebuild it`);
    }
    return new FeatureIndexStore(db, file, undefined);
  }

  /** The folder the stored paths are relative to ('' when none was set). */
  get root(): string {
    return metaValue(this.db, 'root') ?? '';
  }

  /** Drops every result when the model, options or root changed. */
  private adopt(identity: IndexIdentity): void {
    const same = metaValue(this.db, 'fingerprint') === identity.fingerprint && metaValue(this.db, 'root') === identity.root;
    if (same) return;
    this.transaction(() => {
      this.db.run('DELETE FROM occurrences; DELETE FROM files; DELETE FROM hooks;');
      this.db.run('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?), (?, ?)', ['fingerprint', identity.fingerprint, 'root', identity.root]);
    });
  }

  /** The stored content hash and token count of `path`, or undefined. */
  fileRecord(path: string): { sha256: string; tokens: number } | undefined {
    const r = this.db.exec('SELECT sha256, tokens FROM files WHERE path = ?', [path]);
    return r.length ? { sha256: String(r[0].values[0][0]), tokens: Number(r[0].values[0][1]) } : undefined;
  }

  /** Every indexed path. */
  paths(): string[] {
    const r = this.db.exec('SELECT path FROM files ORDER BY path');
    return r.length ? r[0].values.map((v) => String(v[0])) : [];
  }

  /** Replaces everything stored for `path` in one transaction. */
  replaceFile(path: string, sha256: string, tokens: number, features: readonly FeatureOccurrences[]): void {
    this.transaction(() => {
      this.deleteFile(path);
      this.db.run('INSERT INTO files (path, sha256, tokens) VALUES (?, ?, ?)', [path, sha256, tokens]);
      const fileId = Number(this.db.exec('SELECT last_insert_rowid()')[0].values[0][0]);
      const hookIds = new Map<string, number>();
      const insert = this.db.prepare('INSERT INTO occurrences (hook_id, feature, file_id, count, strongest, data) VALUES (?, ?, ?, ?, ?, ?)');
      try {
        for (const f of features) {
          if (!f.occurrences.length) continue;
          let hookId = hookIds.get(f.hook);
          if (hookId === undefined) hookIds.set(f.hook, (hookId = this.hookId(f.hook)));
          insert.run([hookId, f.feature, fileId, f.count, f.occurrences[0].activation, encodeOccurrences(f.occurrences)]);
        }
      } finally {
        insert.free();
      }
    });
  }

  removeFile(path: string): void {
    this.transaction(() => this.deleteFile(path));
  }

  /** Every stored occurrence of the feature, strongest first (ties: by file, then offset); at most `limit`. */
  find(hook: string, feature: number, limit = Infinity): FoundOccurrence[] {
    const r = this.db.exec(
      'SELECT files.path, occurrences.data FROM occurrences JOIN files ON files.id = occurrences.file_id JOIN hooks ON hooks.id = occurrences.hook_id WHERE hooks.name = ? AND occurrences.feature = ?',
      [hook, feature],
    );
    const out: FoundOccurrence[] = [];
    for (const [path, data] of r.length ? r[0].values : []) {
      for (const o of decodeOccurrences(data as Uint8Array)) out.push({ file: String(path), ...o });
    }
    out.sort((a, b) => b.activation - a.activation || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.start - b.start);
    return Number.isFinite(limit) ? out.slice(0, limit) : out;
  }

  stats(): IndexStats {
    const one = (sql: string) => Number(this.db.exec(sql)[0]?.values[0][0] ?? 0);
    return {
      files: one('SELECT COUNT(*) FROM files'),
      tokens: one('SELECT COALESCE(SUM(tokens), 0) FROM files'),
      features: one('SELECT COUNT(*) FROM (SELECT DISTINCT hook_id, feature FROM occurrences)'),
      occurrences: one('SELECT COALESCE(SUM(LENGTH(data)), 0) / 16 FROM occurrences'),
    };
  }

  /** Writes the database to its file atomically when it changed since the last save. Only sql.js's
   *  export of the bytes runs on the caller's thread (a few ms for a 200,000-token index); the write, the
   *  fsync and the rename are asynchronous. Callers await one save before changing the store again. */
  async save(): Promise<void> {
    if (!this.file || !this.dirty) return;
    const bytes = this.db.export();
    this.dirty = false;
    try {
      await writeFileAtomic(this.file, bytes);
    } catch (e) {
      this.dirty = true;
      throw e;
    }
  }

  close(): void {
    this.db.close();
  }

  private hookId(name: string): number {
    this.db.run('INSERT OR IGNORE INTO hooks (name) VALUES (?)', [name]);
    return Number(this.db.exec('SELECT id FROM hooks WHERE name = ?', [name])[0].values[0][0]);
  }

  private deleteFile(path: string): void {
    const r = this.db.exec('SELECT id FROM files WHERE path = ?', [path]);
    if (!r.length) return;
    const id = r[0].values[0][0];
    this.db.run('DELETE FROM occurrences WHERE file_id = ?', [id]);
    this.db.run('DELETE FROM files WHERE id = ?', [id]);
  }

  private transaction(work: () => void): void {
    this.db.run('BEGIN');
    try {
      work();
      this.db.run('COMMIT');
    } catch (e) {
      this.db.run('ROLLBACK');
      throw e;
    }
    this.dirty = true;
  }
}
