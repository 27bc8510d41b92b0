// End-to-end harness: a real `medcore serve` on a fresh SQLite database serving the built web app
// (web/dist), and Debian's chromium driven by playwright-core. Same ideas as tests/api/harness.mjs.
import { spawn, execFileSync } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
export const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(WEB_ROOT, '..');
export const BIN = path.resolve(REPO_ROOT, process.env.MEDCORE_BIN || 'build/medcore');
export const DIST = path.join(WEB_ROOT, 'dist');
export const ARTIFACTS = path.join(REPO_ROOT, 'tests', 'artifacts', 'web');
export const CHROMIUM = process.env.MEDCORE_CHROMIUM || '/usr/bin/chromium';
export const PASSWORD = 'correct horse battery';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

let seq = 0;
const runTag = crypto.randomBytes(3).toString('hex');
export function uniqueEmail(prefix) {
  seq += 1;
  return `${prefix}.${runTag}.${seq}@example.org`;
}

function run(env, args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, out }); });
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/** Starts medcore on a free port with a temporary SQLite database; resolves once /readyz answers 200. */
export async function startServer() {
  if (!fs.existsSync(BIN)) throw new Error(`medcore binary not found at ${BIN} (set MEDCORE_BIN or build it)`);
  if (!fs.existsSync(path.join(DIST, 'index.html'))) throw new Error(`${DIST}/index.html missing: build the web app first (scripts/build-web.sh)`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medcore-e2e-'));
  const varDir = path.join(tmp, 'var');
  fs.mkdirSync(varDir, { recursive: true });
  const sqliteFile = path.join(tmp, 'medcore.db');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME || tmp,
    LANG: 'C.UTF-8',
    MEDCORE_DATABASE_URL: 'sqlite:' + sqliteFile,
    MEDCORE_LISTEN: `127.0.0.1:${port}`,
    MEDCORE_VAR_DIR: varDir,
    MEDCORE_WEB_ROOT: DIST,
    MEDCORE_MODELS_DIR: path.join(REPO_ROOT, 'models'),
    MEDCORE_PUBLIC_URL: url,
    MEDCORE_LOG_LEVEL: 'warn',
    MEDCORE_AUTH_RATE_PER_MINUTE: '100000',
    MEDCORE_LOGIN_MAX_FAILURES_IP: '100000',
  };
  const child = spawn(BIN, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (d) => { log += d; if (log.length > 200_000) log = log.slice(-100_000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exitInfo = null;
  const exited = new Promise((r) => child.on('exit', (code, signal) => { exitInfo = { code, signal }; r(exitInfo); }));
  const server = {
    url, port, tmp, varDir, sqliteFile, env,
    get log() { return log; },
    cli: (args, input) => run(env, args, input),
    async stop() {
      if (!exitInfo) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
      if (!process.env.MEDCORE_E2E_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
  process.on('exit', () => { if (!exitInfo) child.kill('SIGKILL'); });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && !exitInfo) {
    try {
      const r = await fetch(url + '/readyz', { signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      if (r.status === 200) return server;
    } catch { /* not yet */ }
    await sleep(100);
  }
  await server.stop();
  throw new Error(`medcore did not become ready (${JSON.stringify(exitInfo)})\n${log.slice(-3000)}`);
}

/** The API from node with a bearer token (no cookie, so no CSRF token needed). */
export async function apiCall(server, method, path, { token, body, headers = {} } = {}) {
  const h = { ...headers };
  if (body !== undefined) h['content-type'] = 'application/json';
  if (token) h.authorization = `Bearer ${token}`;
  const r = await fetch(server.url + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, json, text };
}

/** Signs up an account through the API (body: role, name and the role's fields) and signs it in with a bearer token. */
export async function apiAccount(server, body) {
  const email = uniqueEmail(body.role);
  const s = await apiCall(server, 'POST', '/api/v1/auth/signup', { body: { email, password: PASSWORD, phone: '+351 912 000 000', ...body } });
  assert.equal(s.status, 201, s.text);
  const l = await apiCall(server, 'POST', '/api/v1/auth/login', { body: { email, password: PASSWORD, bearer: true } });
  assert.equal(l.status, 200, l.text);
  return { id: s.json.user.id, email, name: body.name, token: l.json.token };
}

export async function createAdmin(server, { email = uniqueEmail('admin'), name = 'Ada Admin', password = PASSWORD } = {}) {
  const r = await server.cli(['admin', 'create', '--email', email, '--name', name], password + '\n');
  assert.equal(r.code, 0, `admin create failed: ${r.out}`);
  return { email, password, name };
}

/** Rows of a read-only query against the server's SQLite database (sqlite3 CLI). */
export function sql(server, query) {
  const out = execFileSync('sqlite3', ['-json', '-cmd', '.timeout 5000', server.sqliteFile, query], { encoding: 'utf8' });
  return out.trim() ? JSON.parse(out) : [];
}
export function sqlExec(server, statement) {
  execFileSync('sqlite3', ['-cmd', '.timeout 5000', server.sqliteFile, statement], { encoding: 'utf8' });
}
const lit = (s) => `'${String(s).replace(/'/g, "''")}'`;

function walk(dir) {
  let out = [];
  let entries = [];
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return out; }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out = out.concat(walk(p));
    else if (e.name.endsWith('.eml')) out.push(p);
  }
  return out;
}

function decodeQuotedPrintable(s) {
  return s.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

const RESET_RE = /https?:\/\/[^\s"'<>]+\/reset-password\?token=[A-Za-z0-9_\-.~%]+/;

/** The reset link in a mail file: plain, quoted-printable or base64 parts are all searched. */
function resetLinkInEml(text) {
  // Quoted-printable bodies (what medcore writes) are decoded first; '=' would be '=3D' otherwise.
  const candidates = /quoted-printable/i.test(text) ? [decodeQuotedPrintable(text)] : [text];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const b = block.replace(/\s+/g, '');
    if (b.length > 40 && /^[A-Za-z0-9+/=]+$/.test(b)) candidates.push(Buffer.from(b, 'base64').toString('utf8'));
  }
  for (const c of candidates) {
    const m = RESET_RE.exec(c);
    if (m) return m[0].replace(/&amp;/g, '&');
  }
  return null;
}

/**
 * The password-reset link mailed to `email`, read where the user gets it: the mail file the file
 * transport (the server's default) wrote under <var>/mail/. Newest wins. No file within the time
 * limit fails the test — a mail that is queued but never delivered is a broken reset.
 */
export async function resetLinkFor(server, email, { timeoutMs = 15_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const files = walk(path.join(server.varDir, 'mail')).sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      if (!text.toLowerCase().includes(email.toLowerCase())) continue;
      const link = resetLinkInEml(text);
      if (link) return { link, file: path.relative(server.varDir, f) };
    }
    await sleep(150);
  }
  const queued = sql(server, `SELECT status, attempts, last_error FROM outbox WHERE template = 'password_reset' AND lower(to_email) = lower(${lit(email)}) ORDER BY id DESC LIMIT 1`);
  throw new Error(`no password reset mail file for ${email} within ${timeoutMs} ms (mail files: ${walk(path.join(server.varDir, 'mail')).join(', ') || 'none'}; outbox: ${JSON.stringify(queued)})`);
}

/** The main checkout's root when REPO_ROOT is a git worktree elsewhere (its ../shared is the one to use). */
function mainCheckout() {
  try {
    const common = execFileSync('git', ['-C', REPO_ROOT, 'rev-parse', '--path-format=absolute', '--git-common-dir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return path.dirname(common);
  } catch {
    return null;
  }
}

/**
 * The HAM10000 photos (../shared/datasets/skin_lesions_ham10000/images_200x150 beside the
 * repository or its main checkout; MEDCORE_HAM10000_IMAGES overrides), or null when they are absent.
 */
export function ham10000Images() {
  const rel = '../shared/datasets/skin_lesions_ham10000/images_200x150';
  const main = mainCheckout();
  const candidates = [
    process.env.MEDCORE_HAM10000_IMAGES,
    path.resolve(REPO_ROOT, rel),
    main && path.resolve(main, rel),
  ].filter(Boolean);
  return candidates.find((d) => fs.existsSync(d) && fs.readdirSync(d).some((f) => /^ISIC_\d+\.jpg$/.test(f))) ?? null;
}

/** A melanoma photo when the metadata names one that is present, else the first ISIC_*.jpg. */
export function pickImage(dir) {
  const meta = path.join(dir, '..', 'HAM10000_metadata.csv');
  if (fs.existsSync(meta)) {
    for (const line of fs.readFileSync(meta, 'utf8').split('\n').slice(1)) {
      const [, imageId, dx] = line.split(',');
      if (dx === 'mel' && fs.existsSync(path.join(dir, `${imageId}.jpg`))) return path.join(dir, `${imageId}.jpg`);
    }
  }
  const first = fs.readdirSync(dir).filter((f) => /^ISIC_\d+\.jpg$/.test(f)).sort()[0];
  return path.join(dir, first);
}

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage',
];

export async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium (scripts/install-deps.sh does)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * A fresh browser context (its own cookies) whose pages record console errors, failed requests
 * and CSP violations in `problems`, so a test can assert the app ran cleanly under the real CSP.
 */
export async function newContext(browser, server, { viewport = { width: 1280, height: 860 }, timezoneId = 'Europe/Lisbon' } = {}) {
  const context = await browser.newContext({ baseURL: server.url, viewport, timezoneId, locale: 'en-GB' });
  context.setDefaultTimeout(10_000);
  const problems = [];
  context.on('page', (page) => watch(page, problems));
  const page = await context.newPage();
  return { context, page, problems };
}

function watch(page, problems) {
  page.on('console', (m) => {
    const t = m.text();
    if (m.type() === 'error' && !/status of (400|401|403|404|409|422)/.test(t)) problems.push(`console: ${t}`);
    if (/Content Security Policy/i.test(t)) problems.push(`csp: ${t}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
}

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core in the page. The CSP (script-src 'self') forbids inline <script> tags, so axe is
 * evaluated through the DevTools protocol (page.evaluate), which CSP does not govern; nothing in
 * the page's own policy is relaxed. Fails on serious or critical violations.
 */
// Signs in through the login form and waits for the signed-in header (its "Log out" button).
export async function signIn(page, email, password = PASSWORD) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

export async function checkA11y(page, label) {
  const has = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!has) await page.evaluate(AXE_SOURCE + '\n;undefined');
  const results = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const bad = results.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${label}: axe found serious/critical violations:\n${JSON.stringify(bad, null, 2)}`);
  return results;
}

export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name + '.png');
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
