// SQLite compiled to WebAssembly (sql.js): one portable file format on every platform, no native addon
// to build or ship per platform (the .vsix carries one 650 kB .wasm). sql.js keeps the database in
// memory; the file on disk only ever changes by an atomic replace (atomicFile.ts), so a crash or kill
// leaves the previous complete file.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import initSqlJs, { type SqlJsStatic } from 'sql.js';

const WASM = 'sql-wasm.wasm';

/** The .wasm beside the bundle (dist/, where the build copies it), else the one in node_modules. */
function wasmPath(): string {
  const beside = typeof __dirname === 'string' ? path.join(__dirname, WASM) : '';
  if (beside && fs.existsSync(beside)) return beside;
  const req = createRequire(typeof __filename === 'string' ? __filename : path.join(process.cwd(), 'index.js'));
  return req.resolve(`sql.js/dist/${WASM}`);
}

export type { Database, SqlJsStatic } from 'sql.js';

/** Compiles the SQLite module (about 50 ms); open it once per index and keep it. */
export async function loadSqlite(): Promise<SqlJsStatic> {
  const wasmBinary = fs.readFileSync(wasmPath());
  return initSqlJs({ wasmBinary: wasmBinary.buffer.slice(wasmBinary.byteOffset, wasmBinary.byteOffset + wasmBinary.byteLength) as ArrayBuffer });
}
