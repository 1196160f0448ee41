// Model bundle loading and validation (docs/bundle-format.md). Every problem comes back as an
// EngineError value naming the file (relative to the bundle) and what is wrong; nothing here throws
// past these functions.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Result } from '../types';
import { TextTokenizer } from '../tokens';
import { BundleCardStore, CARDS_DICTIONARY, CARDS_FILES, loadHookCards, type CardsFormat } from './cards';
import { checkArchitecture } from './architecture-check';
import { checkInsideFolder, fail, fileError, ok, readJsonFile, sha256File } from './files';
import { BUNDLE_LIMITS } from './limits';
import { validateManifest } from './manifest';
import { checkOnnxStructure, readGraphInterface } from '../onnx';
import { readSaeFolder, SAE_CFG_FILE, SAE_WEIGHTS_FILE } from './sae';
import type { Bundle, Dictionary, LoadBundleOptions, Manifest } from './types';
export type * from './types';
export { normalizeSaeConfig } from './sae';
export { validateManifest } from './manifest';
export { BUNDLE_LIMITS } from './limits';

export async function loadBundle(dir: string, options: LoadBundleOptions = {}): Promise<Result<Bundle>> {
  try {
    return await load(path.resolve(dir), options);
  } catch (e) {
    return fail('internal', undefined, `loading the bundle at ${dir} failed unexpectedly: ${(e as Error)?.stack ?? String(e)}`);
  }
}

/** An SAELens folder outside the bundle (`--sae DIR`); expectedD = the width of the hook it reads. */
export async function loadSaeFolder(dir: string, options: { expectedD?: number; expectedHook?: string } = {}): Promise<Result<Dictionary>> {
  try {
    const abs = path.resolve(dir);
    try {
      const st = await fs.stat(abs);
      if (!st.isDirectory()) return fail('bad-dictionary', abs, `${abs} is not a folder (an SAELens folder holds ${SAE_CFG_FILE} and ${SAE_WEIGHTS_FILE})`);
    } catch (e) {
      return { ok: false, error: fileError(e, abs) };
    }
    return await readSaeFolder(abs, { ...options, source: 'folder' });
  } catch (e) {
    return fail('internal', dir, `reading the dictionary folder ${dir} failed unexpectedly: ${(e as Error)?.message ?? String(e)}`);
  }
}

/** cards.bin (compressed, current) unless the manifest lists only the older cards.jsonl. */
function cardsFormat(manifest: Manifest, cardsDir: string): CardsFormat {
  return `${cardsDir}/${CARDS_FILES.jsonl}` in manifest.files && !(`${cardsDir}/${CARDS_FILES.bin}` in manifest.files) ? 'jsonl' : 'bin';
}

/** Bundle-relative '/' path -> absolute path. */
function abs(dir: string, rel: string): string {
  return path.join(dir, ...rel.split('/'));
}

async function load(dir: string, options: LoadBundleOptions): Promise<Result<Bundle>> {
  try {
    const st = await fs.stat(dir);
    if (!st.isDirectory()) return fail('missing-file', dir, `${dir} is not a folder (a model bundle is a folder with manifest.json)`);
  } catch (e) {
    return fail('missing-file', dir, `the model bundle folder ${dir} does not exist or cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }

  // Every file is checked against the folder's real path: a bundle reached through a link is fine, a
  // file inside it that links elsewhere is not.
  const realRoot = await fs.realpath(dir);
  const manifestInside = await checkInsideFolder(realRoot, path.join(dir, 'manifest.json'), 'manifest.json');
  if (!manifestInside.ok) return manifestInside;
  const manifestJson = await readJsonFile(path.join(dir, 'manifest.json'), 'manifest.json', 'bad-manifest', BUNDLE_LIMITS.manifestBytes);
  if (!manifestJson.ok) return manifestJson;
  const mv = validateManifest(manifestJson.value);
  if (!mv.ok) return mv;
  const manifest = mv.value;

  // Every file the manifest lists: present, the listed size, the listed sha256.
  const checked = await checkListedFiles(dir, realRoot, manifest, options.verifyChecksums !== false);
  if (!checked.ok) return checked;
  const hashes = checked.value;

  // Files the rest of the manifest refers to must be listed (so they were checked above).
  const referenced: string[] = [manifest.tokenizer.file, manifest.model.file];
  if (manifest.parity_fixture) referenced.push(manifest.parity_fixture);
  if (manifest.card_tokens) referenced.push(manifest.card_tokens);
  for (const d of manifest.dictionaries ?? []) {
    referenced.push(`${d.path}/${SAE_CFG_FILE}`, `${d.path}/${SAE_WEIGHTS_FILE}`);
    if (d.cards) referenced.push(`${d.cards}/labels.json`, `${d.cards}/${CARDS_FILES[cardsFormat(manifest, d.cards)]}`, `${d.cards}/cards.offsets`);
    // cards.dict is optional: used when the manifest lists it.
  }
  for (const rel of referenced) {
    if (!(rel in manifest.files)) return fail('bad-manifest', 'manifest.json', `manifest.json refers to ${rel} but "files" has no sha256/bytes entry for it`);
  }

  const modelPath = abs(dir, manifest.model.file);
  const onnxProblem = await checkOnnxStructure(modelPath).catch((e: Error) => `could not be read: ${e.message}`);
  if (onnxProblem) {
    const kind = /truncated/.test(onnxProblem) ? 'truncated-model' : 'unreadable-file';
    return fail(kind, manifest.model.file, `${manifest.model.file} ${onnxProblem}`);
  }

  const tokenizerPath = abs(dir, manifest.tokenizer.file);
  const tokenizerJson = await readJsonFile(tokenizerPath, manifest.tokenizer.file, 'bad-tokenizer', BUNDLE_LIMITS.tokenizerBytes);
  if (!tokenizerJson.ok) return tokenizerJson;
  const tok = TextTokenizer.fromJson(tokenizerJson.value, manifest.tokenizer.file);
  if (!tok.ok) return tok;
  const tokenizer = tok.value;
  const dVocab = manifest.architecture.d_vocab;
  if (tokenizer.vocabSize !== dVocab) {
    return fail('vocab-mismatch', manifest.tokenizer.file, `${manifest.tokenizer.file} has ${tokenizer.vocabSize} tokens but the model's d_vocab (manifest.json architecture.d_vocab) is ${dVocab}`);
  }
  const eot = manifest.tokenizer.eot_token_id;
  if (eot !== undefined && eot >= dVocab) {
    return fail('vocab-mismatch', 'manifest.json', `manifest.json says eot_token_id ${eot}, outside the vocabulary (d_vocab ${dVocab})`);
  }
  if (eot !== undefined && tokenizer.eotId !== undefined && eot !== tokenizer.eotId) {
    return fail('vocab-mismatch', manifest.tokenizer.file, `manifest.json says eot_token_id ${eot} but ${manifest.tokenizer.file} has <|endoftext|> = ${tokenizer.eotId}`);
  }

  // The manifest's figures against the graph (after the tokenizer's, so a d_vocab that disagrees with
  // both is reported against the tokenizer).
  const graph = await readGraphInterface(modelPath);
  if (!graph.ok) return fail('unreadable-file', manifest.model.file, `${manifest.model.file} ${graph.message}`);
  const disagreement = checkArchitecture(manifest, graph.value, manifest.model.file);
  if (disagreement) return fail('bad-manifest', disagreement.startsWith('manifest.json') ? 'manifest.json' : manifest.model.file, disagreement);

  const hookWidth = new Map<string, number>();
  for (const h of manifest.model.hooks) {
    if (hookWidth.has(h.name)) return fail('bad-manifest', 'manifest.json', `manifest.json lists hook ${h.name} twice in model.hooks`);
    hookWidth.set(h.name, h.d);
  }

  const dictionaries: Dictionary[] = [];
  const cards = new BundleCardStore(
    { text: (id) => tokenizer.idToText(id), size: tokenizer.vocabSize },
    manifest.card_tokens ? { abs: abs(dir, manifest.card_tokens), file: manifest.card_tokens } : undefined,
  );
  for (const d of manifest.dictionaries ?? []) {
    const width = hookWidth.get(d.hook_name);
    if (width === undefined) return fail('bad-dictionary', 'manifest.json', `manifest.json has a dictionary for ${d.hook_name}, which is not among model.hooks`);
    if (dictionaries.some((x) => x.hookName === d.hook_name)) return fail('bad-dictionary', 'manifest.json', `manifest.json has two dictionaries for ${d.hook_name}`);
    const sae = await readSaeFolder(abs(dir, d.path), {
      expectedD: width,
      expectedHook: d.hook_name,
      displayDir: d.path,
      source: 'bundle',
      knownSha256: { weights: hashes.get(`${d.path}/${SAE_WEIGHTS_FILE}`), cfg: hashes.get(`${d.path}/${SAE_CFG_FILE}`) },
    });
    if (!sae.ok) return sae;
    const dict = sae.value;
    if (d.cards) {
      const c = await loadHookCards(abs(dir, d.cards), d.cards, dict.cfg.d_sae, cardsFormat(manifest, d.cards), `${d.cards}/${CARDS_DICTIONARY}` in manifest.files);
      if (!c.ok) return c;
      cards.add(d.hook_name, c.value);
      dict.labels = c.value.labels;
      if (c.value.density) dict.density = c.value.density;
      if (c.value.score) dict.score = c.value.score;
      if (c.value.positional) dict.positional = c.value.positional;
      if (c.value.typicalActivation) dict.typicalActivation = c.value.typicalActivation;
      if (c.value.readableThreshold !== undefined) dict.readableThreshold = c.value.readableThreshold;
    }
    dictionaries.push(dict);
  }

  return ok({
    dir,
    manifest,
    tokenizer,
    tokenizerPath,
    tokenizerSha256: hashes.get(manifest.tokenizer.file) ?? manifest.files[manifest.tokenizer.file].sha256,
    modelPath,
    modelSha256: hashes.get(manifest.model.file) ?? manifest.files[manifest.model.file].sha256,
    hooks: manifest.model.hooks,
    dictionaries,
    cards,
    parityPath: manifest.parity_fixture ? abs(dir, manifest.parity_fixture) : undefined,
  });
}

/** Sizes of all listed files first (cheap, finds truncation and missing files), then their hashes. */
async function checkListedFiles(dir: string, realRoot: string, manifest: Manifest, verify: boolean): Promise<Result<Map<string, string>>> {
  const entries = Object.entries(manifest.files);
  for (const [rel, want] of entries) {
    const inside = await checkInsideFolder(realRoot, abs(dir, rel), rel);
    if (!inside.ok) return inside;
    let size: number;
    try {
      const st = await fs.stat(abs(dir, rel));
      if (!st.isFile()) return fail('unreadable-file', rel, `${rel} is not a regular file`);
      size = st.size;
    } catch (e) {
      return { ok: false, error: fileError(e, rel) };
    }
    if (size !== want.bytes) {
      if (rel === manifest.model.file && size < want.bytes) {
        return fail('truncated-model', rel, `${rel} is ${size} bytes but manifest.json lists ${want.bytes}: the model file is truncated (incomplete download or copy?)`);
      }
      return fail('checksum-mismatch', rel, `${rel} is ${size} bytes but manifest.json lists ${want.bytes}: the file was changed or damaged`);
    }
  }
  const hashes = new Map<string, string>();
  if (!verify) return ok(hashes);
  for (const [rel, want] of entries) {
    let got: string;
    try {
      got = await sha256File(abs(dir, rel));
    } catch (e) {
      return { ok: false, error: fileError(e, rel) };
    }
    if (got !== want.sha256) return fail('checksum-mismatch', rel, `${rel} has sha256 ${got} but manifest.json lists ${want.sha256}: the file was changed or damaged`);
    hashes.set(rel, got);
  }
  return ok(hashes);
}
