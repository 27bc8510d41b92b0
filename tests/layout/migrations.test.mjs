// A shipped migration is never edited: medcore records each migration's SHA-256 when it applies it
// and refuses to start when a file's checksum changed (src/platform/db/migrations.cpp), so an edit
// — even of a comment — stops every database migrated before it. migrations/SHIPPED.sha256 holds the
// checksums as shipped; a new migration adds its line there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations');

function shipped() {
  const out = new Map();
  for (const line of fs.readFileSync(path.join(DIR, 'SHIPPED.sha256'), 'utf8').split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [sum, name] = line.trim().split(/\s+/);
    out.set(name, sum);
  }
  return out;
}

test('every migration file is exactly as it shipped, and every one is listed', () => {
  const sums = shipped();
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.sql')).sort();
  for (const file of files) {
    const sum = crypto.createHash('sha256').update(fs.readFileSync(path.join(DIR, file))).digest('hex');
    assert.ok(sums.has(file), `${file} is not in migrations/SHIPPED.sha256: add "${sum}  ${file}" when it ships`);
    assert.equal(sum, sums.get(file),
      `${file} changed after it shipped: databases migrated with it will refuse to start — add a new migration instead`);
  }
  for (const name of sums.keys()) assert.ok(files.includes(name), `${name} is listed as shipped but its file is gone`);
});
