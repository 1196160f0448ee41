// Held-out text for the int8 encoder checks: this repository's own TypeScript (src/), which is not among
// the default model's training sources (its manifest lists them), in a fixed order.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

/** Every .ts file under src/, depth first, names sorted at each level. */
export function heldOutFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else if (e.name.endsWith('.ts')) files.push(path.join(dir, e.name));
    }
  };
  walk(path.join(root, 'src'));
  return files;
}

/** The first `chars` characters of those files joined by newlines (what quantize-check --text reads). */
export function heldOutText(chars: number): string {
  return heldOutFiles().map((f) => fs.readFileSync(f, 'utf8')).join('\n').slice(0, chars);
}
