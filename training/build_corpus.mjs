// Builds the training corpus from text already on this machine (no network). Every source is a glob-like
// root + extension filter with a byte cap; files are deduplicated by content, split train/held-out by a
// hash of their path (so the split is stable when sources change), tokenised with the bundle's own
// tokenizer and written as uint16 token streams separated by <|endoftext|>.
// Never reads this repository's own files (anything under the repo root except node_modules/, which is
// third-party code installed from npm).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { Tokenizer } from '@huggingface/tokenizers';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const outDir = args.out ?? path.join(process.env.HOME, '.cache/ai-train');
const seed = args.seed ?? 'activation-inspector-v1';
const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const MB = 1 << 20;

const sources = [
  { name: 'python-stdlib', kind: 'python', root: '/usr/lib/python3.11', ext: ['.py'], capBytes: 14 * MB },
  { name: 'python-dist-packages', kind: 'python', root: '/usr/lib/python3/dist-packages', ext: ['.py'], capBytes: 12 * MB },
  { name: 'javascript-npm', kind: 'javascript', root: '/usr/lib/node_modules', ext: ['.js', '.mjs', '.cjs'], capBytes: 9 * MB },
  { name: 'typescript-lib', kind: 'typescript', root: path.join(repoRoot, 'node_modules/typescript/lib'), ext: ['.d.ts'], capBytes: 4 * MB },
  { name: 'typescript-types-node', kind: 'typescript', root: path.join(repoRoot, 'node_modules/@types'), ext: ['.d.ts', '.ts'], capBytes: 4 * MB },
  { name: 'typescript-vitest', kind: 'typescript', root: path.join(repoRoot, 'node_modules'), ext: ['.ts', '.mts', '.cts'], capBytes: 4 * MB, exclude: ['/typescript/lib/', '/@types/'] },
  { name: 'c-headers', kind: 'c', root: '/usr/include', ext: ['.h'], capBytes: 8 * MB },
  { name: 'c-sources', kind: 'c', root: '/usr/share', ext: ['.c'], capBytes: 2 * MB },
  { name: 'shell-scripts', kind: 'shell', root: '/usr/bin', ext: [''], capBytes: 2 * MB, shebang: /^#!.*\b(ba|da)?sh\b/ },
  { name: 'shell-share', kind: 'shell', root: '/usr/share', ext: ['.sh'], capBytes: 1 * MB },
  { name: 'markdown-npm', kind: 'markdown', root: '/usr/lib/node_modules', ext: ['.md'], capBytes: 2 * MB },
  { name: 'markdown-doc', kind: 'markdown', root: '/usr/share/doc', ext: ['.md'], capBytes: 5 * MB },
  { name: 'markdown-rust', kind: 'markdown', root: path.join(os.homedir(), '.rustup', 'toolchains'), ext: ['.md'], capBytes: 2 * MB },
  { name: 'prose-vim-help', kind: 'prose', root: '/usr/share/vim', ext: ['.txt'], capBytes: 5 * MB },
  { name: 'prose-licenses', kind: 'prose', root: '/usr/share/common-licenses', ext: [''], capBytes: 1 * MB },
];

function* walk(dir) {
  let entries;
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isSymbolicLink()) continue;
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile()) yield p;
  }
}
const hashHex = (s) => crypto.createHash('sha256').update(s).digest('hex');
const inRepo = (p) => p.startsWith(repoRoot + '/') && !p.startsWith(path.join(repoRoot, 'node_modules') + '/');

const tj = JSON.parse(fs.readFileSync(path.join(outDir, 'tokenizer.json'), 'utf8'));
const tok = new Tokenizer(tj, {});
const eot = tj.added_tokens[0].id;

const seen = new Set();
const manifest = [];
const train = [];
const heldout = [];
for (const src of sources) {
  // Deterministic pseudo-random order so a cap samples the whole tree, not its first folders.
  const files = [...walk(src.root)]
    .filter((p) => src.ext.some((x) => (x === '' ? !path.basename(p).includes('.') : p.endsWith(x))))
    .filter((p) => !inRepo(p) && !(src.exclude ?? []).some((x) => p.includes(x)))
    .sort((a, b) => (hashHex(seed + a) < hashHex(seed + b) ? -1 : 1));
  let bytes = 0, nFiles = 0, tokens = 0, hoFiles = 0, hoTokens = 0;
  for (const p of files) {
    if (bytes >= src.capBytes) break;
    let buf;
    try { buf = fs.readFileSync(p); } catch { continue; }
    if (buf.length < 200 || buf.length > 512 * 1024 || buf.includes(0)) continue;
    const text = buf.toString('utf8');
    if (text.includes('\uFFFD')) continue;
    if (src.shebang && !src.shebang.test(text.slice(0, 100))) continue;
    const h = hashHex(text);
    if (seen.has(h)) continue;
    seen.add(h);
    const ids = tok.encode(text).ids;
    const isHeldout = parseInt(hashHex('split:' + seed + p).slice(0, 8), 16) / 0xffffffff < 0.03;
    (isHeldout ? heldout : train).push({ path: p, kind: src.kind, bytes: buf.length, ids });
    bytes += buf.length; nFiles++; tokens += ids.length;
    if (isHeldout) { hoFiles++; hoTokens += ids.length; }
  }
  manifest.push({ name: src.name, kind: src.kind, glob: `${src.root}/**/*${src.ext.join('|*')}`, files: nFiles, bytes, tokens, heldout_files: hoFiles, heldout_tokens: hoTokens });
  console.log(`${src.name}: ${nFiles} files, ${(bytes / MB).toFixed(1)} MB, ${tokens} tokens (held out ${hoFiles})`);
}
function writeStream(name, docs) {
  docs.sort((a, b) => (hashHex(seed + a.path) < hashHex(seed + b.path) ? -1 : 1));
  const n = docs.reduce((s, d) => s + d.ids.length + 1, 0);
  const arr = new Uint16Array(n);
  let o = 0;
  for (const d of docs) { arr.set(d.ids, o); o += d.ids.length; arr[o++] = eot; }
  fs.writeFileSync(path.join(outDir, name), Buffer.from(arr.buffer));
  return n;
}
const nTrain = writeStream('train.bin', train);
const nHeld = writeStream('heldout.bin', heldout);
// Both lists are in stream order (writeStream sorted them), so a file's tokens start where the previous
// file's <|endoftext|> ends: feature cards map a context back to its source file to tag its syntax.
const listed = (docs) => docs.map((d) => ({ path: d.path, kind: d.kind, bytes: d.bytes, tokens: d.ids.length }));
fs.writeFileSync(path.join(outDir, 'corpus.json'), JSON.stringify({ seed, sources: manifest, train_tokens: nTrain, heldout_tokens: nHeld, heldout_files: listed(heldout), train_files: listed(train) }, null, 1));
console.log(`train ${nTrain} tokens, held-out ${nHeld} tokens in ${heldout.length} files`);
