#!/usr/bin/env node
// Makes skipped tests visible and refuses the ones nobody decided on. scripts/test.sh runs it after
// every suite with that suite's report directory: output.log (node --test's TAP: "ok N - name #
// SKIP reason") and any GoogleTest JSON reports (GTEST_OUTPUT=json:DIR/, "result": "SKIPPED").
// Every skip is printed; a skip that tests/skips.allow does not list for this pass fails the suite.
//
//   node scripts/check-skips.mjs --pass "API tests (SQLite)" REPORT_DIR
//   node scripts/check-skips.mjs --pass "tabular models" --suite-skip "no data sets at …"
//
// Exit 0: no skips, or all allowed. Exit 1: a skip outside the allow-list (listed on stderr).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ALLOW_FILE = path.join(ROOT, 'tests', 'skips.allow');

// tests/skips.allow: "pass | test name | why the skip is legitimate"; '#' starts a comment.
// "(whole suite)" as the test name allows scripts/test.sh to skip the pass itself.
export function readAllowList(file = ALLOW_FILE) {
  const entries = [];
  for (const [i, line] of fs.readFileSync(file, 'utf8').split('\n').entries()) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const parts = t.split('|').map((s) => s.trim());
    if (parts.length !== 3 || parts.some((p) => !p)) throw new Error(`${file}:${i + 1}: want "pass | test name | reason", got: ${t}`);
    entries.push({ pass: parts[0], test: parts[1], reason: parts[2] });
  }
  return entries;
}

// A suite's console output: node --test's TAP ("ok 3 - name # SKIP reason", at any depth) and
// ctest's lines ("12/40 Test #12: Suite.Name ....***Skipped   0.01 sec").
export function logSkips(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const tap = /^\s*ok \d+ - (.*?) # SKIP\b ?(.*)$/.exec(line);
    if (tap) out.push({ test: tap[1].replace(/\\#/g, '#'), reason: tap[2] || '(no reason given)' });
    const ctest = /^\s*\d+\/\d+ Test\s+#\d+: (\S+) \.*\s*\*+Skipped/.exec(line);
    if (ctest) out.push({ test: ctest[1], reason: 'GTEST_SKIP (ctest)' });
  }
  return out;
}

// GoogleTest JSON (--gtest_output=json): testsuites[].testsuite[] with result SKIPPED.
export function gtestSkips(json) {
  const out = [];
  for (const suite of json.testsuites || []) {
    for (const t of suite.testsuite || []) {
      if (t.result === 'SKIPPED') {
        const reason = (t.skipped || t.failures || []).map((f) => f.message || f.failure || '').join(' ').trim();
        out.push({ test: `${suite.name}.${t.name}`, reason: reason.split('\n').pop() || '(no reason given)' });
      }
    }
  }
  return out;
}

function collect(dir) {
  const skips = [];
  const log = path.join(dir, 'output.log');
  if (fs.existsSync(log)) skips.push(...logSkips(fs.readFileSync(log, 'utf8')));
  for (const f of fs.readdirSync(dir)) {
    if (f.endsWith('.json')) skips.push(...gtestSkips(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))));
  }
  return skips;
}

function main(argv) {
  let pass = null;
  let suiteSkip = null;
  const dirs = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--pass') pass = argv[++i];
    else if (argv[i] === '--suite-skip') suiteSkip = argv[++i];
    else dirs.push(argv[i]);
  }
  if (!pass || (!dirs.length && suiteSkip === null)) {
    console.error('usage: check-skips.mjs --pass NAME (REPORT_DIR... | --suite-skip REASON)');
    return 2;
  }
  const allowed = readAllowList().filter((e) => e.pass === pass);
  const skips = suiteSkip !== null ? [{ test: '(whole suite)', reason: suiteSkip }] : dirs.flatMap(collect);
  // One line per distinct skip: ctest runs a GoogleTest case per process, so a report may repeat.
  const seen = new Set();
  const refused = [];
  for (const s of skips) {
    if (seen.has(s.test)) continue;
    seen.add(s.test);
    const ok = allowed.some((e) => e.test === s.test);
    console.log(`  skipped: ${s.test} — ${s.reason}${ok ? ' (allowed)' : ' (NOT on tests/skips.allow)'}`);
    if (!ok) refused.push(s);
  }
  console.log(`-- ${pass}: ${seen.size} skipped, ${refused.length} outside the allow-list`);
  if (refused.length) {
    console.error(`-- ${pass}: skips nobody decided on (add them to tests/skips.allow with a reason, or make them run):`);
    for (const s of refused) console.error(`   ${pass} | ${s.test} | ${s.reason}`);
    return 1;
  }
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('check-skips.mjs')) {
  process.exitCode = main(process.argv.slice(2));
}
