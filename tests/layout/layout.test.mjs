// The dependency rules of src/ (scripts/check-layout.mjs, docs/ARCHITECTURE.md "Layout and
// dependency rules"): the real tree keeps them, and each rule catches the include that breaks it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkLayout } from '../../scripts/check-layout.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SRC = path.join(ROOT, 'src');

// A copy of src/ with `line` added to the top of `file`.
function treeWith(file, line) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medcore-layout-'));
  fs.cpSync(SRC, dir, { recursive: true });
  const target = path.join(dir, file);
  fs.writeFileSync(target, `${line}\n${fs.readFileSync(target, 'utf8')}`);
  return dir;
}

function violationsWith(file, line) {
  const dir = treeWith(file, line);
  try {
    return checkLayout(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('src/ has only platform/, engines/, features/ and main.cpp at its top', () => {
  const top = fs.readdirSync(SRC).sort();
  assert.deepEqual(top, ['engines', 'features', 'main.cpp', 'platform']);
});

test('every include in src/ follows the dependency rules', () => {
  assert.deepEqual(checkLayout(SRC), []);
});

test('the command exits 1 and names the file and line of a wrong include', () => {
  const dir = treeWith('platform/http/router.cpp', '#include "features/chat/model.hpp"');
  try {
    let failed = null;
    try {
      execFileSync(process.execPath, [path.join(ROOT, 'scripts/check-layout.mjs'), dir], { encoding: 'utf8' });
    } catch (e) {
      failed = e;
    }
    assert.ok(failed, 'check-layout.mjs accepted a platform file including a feature');
    assert.equal(failed.status, 1);
    assert.match(failed.stdout, /src\/platform\/http\/router\.cpp:1: platform includes features/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('platform includes no engine and no feature; core includes only core', () => {
  assert.match(violationsWith('platform/db/database.cpp', '#include "engines/ml/csv.hpp"').join('\n'),
    /platform includes engines/);
  assert.match(violationsWith('platform/jobs/runner.cpp', '#include "features/accounts/model.hpp"').join('\n'),
    /platform includes features/);
  assert.match(violationsWith('platform/core/config.cpp', '#include "platform/db/database.hpp"').join('\n'),
    /platform\/core includes platform\/db/);
});

test('engines include only platform/core (and engines), never a feature', () => {
  assert.match(violationsWith('engines/ml/csv.cpp', '#include "platform/db/database.hpp"').join('\n'),
    /engines have no HTTP and no database/);
  assert.match(violationsWith('engines/vision/image.cpp', '#include "platform/http/context.hpp"').join('\n'),
    /engines have no HTTP and no database/);
  assert.match(violationsWith('engines/ml/csv.cpp', '#include "features/skin/model.hpp"').join('\n'),
    /an engine includes a feature/);
});

test("a feature never includes another feature's store, only what accounts and care offer", () => {
  assert.match(violationsWith('features/chat/service.cpp', '#include "features/appointments/store.hpp"').join('\n'),
    /another feature's store/);
  assert.match(violationsWith('features/chat/service.cpp', '#include "features/skin/model.hpp"').join('\n'),
    /features\/skin does not offer/);
  assert.deepEqual(violationsWith('features/skin/service.cpp', '#include "features/care/relationship.hpp"'), []);
  assert.deepEqual(violationsWith('features/chat/service.cpp', '#include "features/chat/store.hpp"'), []);
});

test('an include that names no file under src/ is refused, not skipped', () => {
  assert.match(violationsWith('features/chat/service.cpp', '#include "appointments/store.hpp"').join('\n'),
    /not a path under src\//);
});
