// Tokenises files and strings with a bundle tokenizer for the Python side of the recipe (Python has no
// tokenizer library here; using the engine's own library keeps both sides identical).
// stdin: {"tokenizer": path, "files": [path], "texts": [string]}  stdout: {"files": [[id]], "texts": [[id]]}
import fs from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';

const req = JSON.parse(fs.readFileSync(0, 'utf8'));
const tok = new Tokenizer(JSON.parse(fs.readFileSync(req.tokenizer, 'utf8')), {});
const enc = (s) => tok.encode(s).ids;
process.stdout.write(JSON.stringify({
  files: (req.files ?? []).map((p) => enc(fs.readFileSync(p, 'utf8'))),
  texts: (req.texts ?? []).map(enc),
}));
