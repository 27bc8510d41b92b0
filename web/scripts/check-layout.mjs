// Checks the direction of imports in src/ (docs/WEB.md, "A feature installs itself"): a feature
// never imports another feature, and ui/, lib/ and api/ never import a feature. App.tsx and
// main.tsx, the shell, may import anything. `make test` runs it through e2e/layout.test.mjs; run
// directly (`node scripts/check-layout.mjs`) it lists each offence and exits 1.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');

function files(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/** "features/chat" for a file under src/features/chat/, else the top folder ("ui", "lib", "api") or "" for src/ itself. */
function area(src, file) {
  const parts = path.relative(src, file).split(path.sep);
  if (parts.length === 1) return '';
  return parts[0] === 'features' ? `features/${parts[1]}` : parts[0];
}

/** Every import that points the wrong way, as "file: imports spec (why)". */
export function layoutOffences(src = SRC) {
  const offences = [];
  for (const file of files(src)) {
    const from = area(src, file);
    if (from === '') continue;
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const to = area(src, path.resolve(path.dirname(file), m[1]));
      if (!to.startsWith('features/') || to === from) continue;
      const why = from.startsWith('features/') ? 'a feature imports another feature' : `${from}/ imports a feature`;
      offences.push(`${path.relative(src, file)}: imports ${m[1]} (${why})`);
    }
  }
  return offences;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const offences = layoutOffences();
  if (offences.length) {
    console.error('web/src layout: features import only ui/, lib/ and api/ (docs/WEB.md)');
    for (const o of offences) console.error('  ' + o);
    process.exit(1);
  }
}
