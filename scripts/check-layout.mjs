#!/usr/bin/env node
// The direction of dependencies in src/, checked from the #include lines (docs/ARCHITECTURE.md,
// "Layout and dependency rules"):
//   - src/platform/ knows nothing medical: it includes no engine and no feature;
//     platform/core is the bottom: it includes only itself;
//   - src/engines/ (no HTTP, no database) include platform/core and engines only;
//   - src/features/<f>/ include platform, engines and their own folder; from another feature only
//     the headers that feature offers to all (PUBLIC_FEATURE_HEADERS below) — never its store.hpp;
//   - src/main.cpp wires everything and may include anything.
// Every quoted include must name a file that exists under src/ (so a rule cannot be dodged with
// a path the checker does not understand).
//
//   node scripts/check-layout.mjs [SRC_DIR]     prints every violation; exit 1 if there is one
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// What one feature may use of another: the accounts feature's sessions, live access and read cache
// (who is signed in, whose access just ended) and what its install hands to later installs, and the
// care feature's relationship rules (may this doctor see this patient). Adding a header here is a
// design decision: say why in docs/ARCHITECTURE.md.
export const PUBLIC_FEATURE_HEADERS = new Set([
  'features/accounts/install.hpp',
  'features/accounts/live_access.hpp',
  'features/accounts/read_cache.hpp',
  'features/accounts/service.hpp',
  'features/accounts/sessions.hpp',
  'features/care/relationship.hpp',
]);

const LAYERS = new Set(['platform', 'engines', 'features']);

function* sourceFiles(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (/\.(cpp|hpp|h|cc|ipp)$/.test(entry.name)) yield full;
  }
}

// "features/chat/service.cpp" -> { layer: 'features', part: 'chat' }
function placeOf(relative) {
  const [layer, part] = relative.split('/');
  return { layer, part };
}

// The violation an include from `from` (a path relative to src/) to `to` makes, or null.
export function ruleBroken(from, to) {
  const source = placeOf(from);
  const target = placeOf(to);
  if (from === 'main.cpp') return null;
  if (!LAYERS.has(source.layer)) return `${from} is outside platform/, engines/ and features/`;
  if (!LAYERS.has(target.layer)) return `includes "${to}", which is outside platform/, engines/ and features/`;
  switch (source.layer) {
    case 'platform':
      if (target.layer !== 'platform') return `platform includes ${target.layer} ("${to}"): platform knows nothing medical`;
      if (source.part === 'core' && target.part !== 'core') return `platform/core includes platform/${target.part} ("${to}"): core is the bottom layer`;
      return null;
    case 'engines':
      if (target.layer === 'features') return `an engine includes a feature ("${to}")`;
      if (target.layer === 'platform' && target.part !== 'core') return `an engine includes platform/${target.part} ("${to}"): engines have no HTTP and no database`;
      return null;
    case 'features':
      if (target.layer !== 'features' || target.part === source.part) return null;
      if (PUBLIC_FEATURE_HEADERS.has(to)) return null;
      if (to.endsWith('/store.hpp')) return `features/${source.part} includes another feature's store ("${to}"): call its service`;
      return `features/${source.part} includes "${to}", which features/${target.part} does not offer to other features`;
  }
  return null;
}

export function checkLayout(srcDir) {
  const violations = [];
  for (const file of sourceFiles(srcDir)) {
    const from = path.relative(srcDir, file).split(path.sep).join('/');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      const m = /^\s*#\s*include\s+"([^"]+)"/.exec(line);
      if (!m) return;
      const to = m[1];
      if (!fs.existsSync(path.join(srcDir, to))) {
        violations.push(`src/${from}:${i + 1}: includes "${to}", which is not a path under src/`);
        return;
      }
      const broken = ruleBroken(from, to);
      if (broken) violations.push(`src/${from}:${i + 1}: ${broken}`);
    });
  }
  return violations;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const srcDir = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src'));
  const violations = checkLayout(srcDir);
  for (const v of violations) console.log(v);
  console.log(violations.length === 0 ? 'layout: every include follows the dependency rules'
                                      : `layout: ${violations.length} include(s) break the dependency rules`);
  process.exit(violations.length === 0 ? 0 : 1);
}
