// Prints the initial JavaScript (and CSS) the browser loads for the first page, raw and gzipped:
// everything index.html references directly, plus the static imports of those scripts.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
const refs = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
const seen = new Set();
const queue = [...refs];
while (queue.length) {
  const ref = queue.shift();
  if (seen.has(ref)) continue;
  seen.add(ref);
  if (ref.endsWith('.js')) {
    const src = fs.readFileSync(path.join(dist, ref), 'utf8');
    for (const m of src.matchAll(/import\s*(?:[^'"()]*?from\s*)?["'](\.\/[^"']+\.js)["']/g)) queue.push('/assets/' + m[1].slice(2));
  }
}
const total = { js: [0, 0], css: [0, 0] };
for (const ref of seen) {
  const buf = fs.readFileSync(path.join(dist, ref));
  const gz = zlib.gzipSync(buf, { level: 9 }).length;
  const kind = ref.endsWith('.js') ? 'js' : 'css';
  total[kind][0] += buf.length;
  total[kind][1] += gz;
  console.log(`${ref.padEnd(40)} ${(buf.length / 1024).toFixed(1).padStart(7)} KB  ${(gz / 1024).toFixed(1).padStart(6)} KB gzip`);
}
console.log(`initial JS  ${(total.js[0] / 1024).toFixed(1)} KB, ${(total.js[1] / 1024).toFixed(1)} KB gzipped (budget 150 KB gzipped)`);
console.log(`initial CSS ${(total.css[0] / 1024).toFixed(1)} KB, ${(total.css[1] / 1024).toFixed(1)} KB gzipped`);
if (total.js[1] > 150 * 1024) {
  console.error('over budget');
  process.exit(1);
}
