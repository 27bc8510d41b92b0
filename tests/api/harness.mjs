// Black-box harness: starts the real `medcore` binary on a fresh database (SQLite by default,
// PostgreSQL when MEDCORE_TEST_PG_URL is set) and talks HTTP to it.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { contractIssues } from './support/contract.mjs';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.resolve(REPO_ROOT, process.env.MEDCORE_BIN || 'build/medcore');
export const PG_URL = process.env.MEDCORE_TEST_PG_URL || '';
export const DIALECT = PG_URL ? 'postgresql' : 'sqlite';

export const SPA_INDEX = '<!doctype html><html><head><title>medcore</title></head><body><div id="app">medcore-spa-index</div><script type="module" src="/assets/app-3f9a1c.js"></script></body></html>\n';
export const SPA_JS = 'console.log("medcore-app-bundle");\n';
export const SPA_CSS = 'body { margin: 0; }\n';
export const SPA_ICO = Buffer.from([0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0, 0x68, 4, 0, 0, 0x16, 0, 0, 0]);
export const SECRET_MARKER = 'medcore-secret-outside-web-root-7f3e';

const running = new Set();
process.on('exit', () => {
  for (const s of running) {
    try { s.child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

export function freePort() {
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

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Resolves to the promise's value, or null after ms (the timer never keeps the process alive).
export function withTimeout(promise, ms) {
  let t;
  const timer = new Promise((r) => { t = setTimeout(() => r(null), ms); t.unref(); });
  return Promise.race([promise, timer]).finally(() => clearTimeout(t));
}

function writeFakeSpa(webRoot) {
  fs.mkdirSync(path.join(webRoot, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(webRoot, 'index.html'), SPA_INDEX);
  fs.writeFileSync(path.join(webRoot, 'assets', 'app-3f9a1c.js'), SPA_JS);
  fs.writeFileSync(path.join(webRoot, 'assets', 'style.css'), SPA_CSS);
  // Vite's hashes are 8 base64url characters: often no digit, sometimes a '-'.
  fs.writeFileSync(path.join(webRoot, 'assets', 'index-DQ-crpNm.js'), SPA_JS);
  fs.writeFileSync(path.join(webRoot, 'service-worker.js'), SPA_JS);
  fs.writeFileSync(path.join(webRoot, 'favicon.ico'), SPA_ICO);
}

function psql(url, args, input) {
  const r = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-X', '-q', ...args], { encoding: 'utf8', input, timeout: 30_000 });
  if (r.status !== 0) throw new Error(`psql failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

function withDbName(url, name) {
  const u = new URL(url);
  u.pathname = '/' + name;
  return u.toString();
}

// Runs `medcore <args>` with the given env; resolves {code, stdout, stderr}.
export function runCli(env, args, { input, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
    child.stdin.on('error', () => {});
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

// Prepares a fresh database + directories without starting anything (used by the CLI tests).
export async function prepareEnv(opts = {}) {
  if (!fs.existsSync(BIN)) throw new Error(`medcore binary not found at ${BIN} (set MEDCORE_BIN or build it)`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medcore-api-'));
  const varDir = path.join(tmp, 'var');
  const webRoot = path.join(tmp, 'web');
  fs.mkdirSync(varDir, { recursive: true });
  writeFakeSpa(webRoot);
  fs.writeFileSync(path.join(tmp, 'secret.txt'), SECRET_MARKER + '\n');
  let dbUrl;
  let dbName = null;
  let sqliteFile = null;
  if (PG_URL) {
    dbName = 'medcore_t_' + crypto.randomBytes(6).toString('hex');
    psql(PG_URL, ['-c', `CREATE DATABASE ${dbName}`]);
    dbUrl = withDbName(PG_URL, dbName);
  } else {
    sqliteFile = path.join(tmp, 'medcore.db');
    dbUrl = 'sqlite:' + sqliteFile;
  }
  const port = opts.port ?? (await freePort());
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME || tmp,
    LANG: 'C.UTF-8',
    MEDCORE_DATABASE_URL: dbUrl,
    MEDCORE_LISTEN: `127.0.0.1:${port}`,
    MEDCORE_VAR_DIR: varDir,
    MEDCORE_WEB_ROOT: webRoot,
    MEDCORE_MODELS_DIR: path.join(REPO_ROOT, 'models'),
    MEDCORE_LOG_LEVEL: 'warn',
    MEDCORE_AUTH_RATE_PER_MINUTE: '100000',
    MEDCORE_LOGIN_MAX_FAILURES_IP: '100000',
    MEDCORE_PUBLIC_URL: 'http://app.test',
    ...(opts.env || {}),
  };
  const ctx = {
    tmp, varDir, webRoot, dbUrl, dbName, sqliteFile, port, env,
    url: `http://127.0.0.1:${port}`,
    cli: (args, o) => runCli(env, args, o),
    async dropDatabase() {
      if (dbName) {
        try { psql(PG_URL, ['-c', `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`]); } catch (e) { console.error(String(e)); }
        dbName = null;
      }
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
  return ctx;
}

// Starts `medcore serve` on a fresh database and waits for /readyz.
// opts.ctx: reuse an environment from prepareEnv() (e.g. after CLI commands); stop() removes it.
// opts.prefix: a command that execs the server, e.g. ['prlimit', '--nofile=400:400'] (same pid).
export async function startServer(opts = {}) {
  const ctx = opts.ctx || (await prepareEnv(opts));
  const [command, ...args] = [...(opts.prefix || []), BIN, 'serve'];
  const child = spawn(command, args, { env: ctx.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => { out.stdout += d; if (out.stdout.length > 1e6) out.stdout = out.stdout.slice(-5e5); });
  child.stderr.on('data', (d) => { out.stderr += d; if (out.stderr.length > 1e6) out.stderr = out.stderr.slice(-5e5); });
  let exitInfo = null;
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => { exitInfo = { code, signal }; resolve(exitInfo); }));
  const server = {
    ...ctx, child, output: out, exited,
    get exitInfo() { return exitInfo; },
    stopped: false,
    async stop({ signal = 'SIGTERM', timeoutMs = 20_000 } = {}) {
      if (server.stopped) return server.stopResult;
      server.stopped = true;
      if (!exitInfo) child.kill(signal);
      let r = await withTimeout(exited, timeoutMs);
      if (!r) { child.kill('SIGKILL'); r = await exited; r = { ...r, timedOut: true }; }
      running.delete(server);
      await ctx.dropDatabase();
      server.stopResult = r;
      return r;
    },
  };
  running.add(server);
  const deadline = Date.now() + 20_000;
  let lastErr = '';
  let ready = false;
  while (!ready && Date.now() < deadline) {
    if (exitInfo) break;
    try {
      const r = await fetch(ctx.url + '/readyz', { signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      ready = r.status === 200;
      if (!ready) lastErr = `readyz ${r.status}`;
    } catch (e) { lastErr = String(e.cause?.code || e.message); }
    if (!ready) await sleep(100);
  }
  if (ready) {
    try {
      assertDialect(server);
    } catch (e) {
      await server.stop({ signal: 'SIGKILL' }).catch(() => {});
      throw e;
    }
    return server;
  }
  await server.stop({ signal: 'SIGKILL' }).catch(() => {});
  throw new Error(`medcore did not become ready (${exitInfo ? `exited ${JSON.stringify(exitInfo)}` : lastErr})\n` +
    `--- stderr ---\n${out.stderr.slice(-4000)}\n--- stdout ---\n${out.stdout.slice(-4000)}`);
}

// The pass runs on the database it claims to: asked of the database, not of the environment. On
// PostgreSQL the server's pool must hold connections to its fresh database and have migrated it;
// on SQLite the file must be a migrated SQLite database. A misconfigured pass (a PostgreSQL run
// that quietly fell back to SQLite, or the reverse) fails at the first server start.
export function assertDialect(server) {
  const migrated = (rows) => Number(rows[0]?.n) > 0;
  if (PG_URL) {
    assert.ok(server.dbName && !server.sqliteFile, 'PostgreSQL pass: the server was given a PostgreSQL database');
    const [v] = sql(server, 'SELECT version() AS version');
    assert.match(v.version, /^PostgreSQL /, 'PostgreSQL pass: the database answers as PostgreSQL');
    const [c] = sql(server, 'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    assert.ok(Number(c.n) > 0, `PostgreSQL pass: the server holds no connection to ${server.dbName}`);
    assert.ok(migrated(sql(server, 'SELECT count(*) AS n FROM schema_migrations')), 'PostgreSQL pass: the server migrated its database');
  } else {
    assert.ok(server.sqliteFile && fs.existsSync(server.sqliteFile), 'SQLite pass: the server created its database file');
    assert.equal(fs.readFileSync(server.sqliteFile).subarray(0, 16).toString('latin1'), 'SQLite format 3\0', 'SQLite pass: the file is a SQLite database');
    assert.ok(migrated(sql(server, 'SELECT count(*) AS n FROM schema_migrations')), 'SQLite pass: the server migrated its database');
  }
  return DIALECT;
}

// ---------------------------------------------------------------------------------------------
// HTTP client
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function lowerKeys(h) {
  const o = {};
  for (const [k, v] of Object.entries(h || {})) o[k.toLowerCase()] = v;
  return o;
}

// api(server, 'POST', '/api/v1/...', {body, session, headers, raw, csrf:false})
//  body: a JS value sent as JSON; raw: a string/Buffer sent as-is (content-type from headers,
//  default application/json). session: {cookie?, csrf?, token?}. headers with value null are dropped.
export async function api(server, method, p, { body, raw, session, headers = {}, csrf = true, timeoutMs = 30_000 } = {}) {
  const h = lowerKeys(headers);
  let payload;
  if (raw !== undefined) {
    payload = raw;
    if (!('content-type' in h)) h['content-type'] = 'application/json';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    if (!('content-type' in h)) h['content-type'] = 'application/json';
  }
  if (session?.cookie && !('cookie' in h)) h.cookie = session.cookie;
  if (session?.token && !('authorization' in h)) h.authorization = 'Bearer ' + session.token;
  if (UNSAFE.has(method) && csrf && session?.csrf && !('x-csrf-token' in h)) h['x-csrf-token'] = session.csrf;
  for (const k of Object.keys(h)) if (h[k] === null || h[k] === undefined) delete h[k];
  let res;
  try {
    res = await fetch(server.url + p, { method, headers: h, body: payload, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    if (server.child) await sleep(100);
    if (server.exitInfo) {
      throw new Error(`${method} ${p}: the server died ${JSON.stringify(server.exitInfo)}\n${server.output.stderr.slice(-2000)}`);
    }
    throw e;
  }
  const buf = Buffer.from(await res.arrayBuffer());
  const text = buf.toString('utf8');
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  const answer = { status: res.status, headers: res.headers, json, text, body: buf, setCookies: res.headers.getSetCookie() };
  // Every answer is held to docs/openapi.json (support/contract.mjs): a body, status or content
  // type the document does not describe fails the test that asked.
  const issues = contractIssues(method, p, answer);
  if (issues.length) {
    throw new assert.AssertionError({
      message: `${method} ${p} → ${res.status}: the answer does not match docs/openapi.json:\n  ${issues.join('\n  ')}\n  body: ${text.slice(0, 500)}`,
    });
  }
  return answer;
}

export function cookieFrom(res, name = 'medcore_session') {
  for (const c of res.setCookies || []) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    if (pair.slice(0, i).trim() === name) return { pair: pair.trim(), value: pair.slice(i + 1).trim(), raw: c };
  }
  return null;
}

// Builds a session (cookie jar) from a login / sign-up / password-change answer.
export function sessionFrom(res) {
  const c = cookieFrom(res);
  return {
    cookie: c ? c.pair : undefined,
    csrf: res.json?.csrf_token,
    token: res.json?.token,
    user: res.json?.user,
  };
}

// Asserts an RFC 9457 problem answer with the given status and slug.
export function assertProblem(res, status, slug, msg = '') {
  const where = `${msg} (got ${res.status} ${res.text?.slice(0, 300)})`;
  assert.equal(res.status, status, 'status ' + where);
  const ct = res.headers.get('content-type') || '';
  assert.match(ct, /^application\/problem\+json/, 'content-type ' + where);
  assert.ok(res.json && typeof res.json === 'object', 'problem body is JSON ' + where);
  if (slug) assert.equal(res.json.type, `urn:medcore:problem:${slug}`, 'type ' + where);
  else assert.match(String(res.json.type), /^urn:medcore:problem:[a-z-]+$/, 'type ' + where);
  assert.equal(typeof res.json.title, 'string', 'title ' + where);
  assert.equal(res.json.status, status, 'status member ' + where);
  assert.equal(typeof res.json.detail, 'string', 'detail ' + where);
  if (status === 422) {
    assert.ok(Array.isArray(res.json.errors) && res.json.errors.length > 0, 'errors[] ' + where);
    for (const e of res.json.errors) {
      assert.equal(typeof e.field, 'string', 'errors[].field ' + where);
      assert.equal(typeof e.message, 'string', 'errors[].message ' + where);
    }
  }
  return res.json;
}

// Fields named in a 422 answer.
export const errorFields = (res) => (res.json?.errors || []).map((e) => e.field);

// ---------------------------------------------------------------------------------------------
// Accounts
let seq = 0;
const runTag = crypto.randomBytes(3).toString('hex');
export function uniqueEmail(prefix = 'user') {
  seq += 1;
  return `${prefix}.${runTag}.${seq}@example.org`;
}
export const PASSWORD = 'correct horse battery';

export function patientBody(overrides = {}) {
  return {
    role: 'patient', name: 'Ana Lima', email: uniqueEmail('patient'), password: PASSWORD,
    phone: '+351 912 345 678', date_of_birth: '1990-04-01', sex: 'female', ...overrides,
  };
}
export function doctorBody(overrides = {}) {
  return {
    role: 'doctor', name: 'Dr Rui Costa', email: uniqueEmail('doctor'), password: PASSWORD,
    phone: '+351 913 000 111', specialty: 'Cardiology', licence_number: 'MC-1234', years_experience: 12,
    bio: 'Heart specialist.', consultation_fee_cents: 4500, ...overrides,
  };
}

async function signup(server, body) {
  const res = await api(server, 'POST', '/api/v1/auth/signup', { body });
  assert.equal(res.status, 201, `sign-up ${body.email}: ${res.status} ${res.text}`);
  const s = sessionFrom(res);
  s.email = body.email;
  s.password = body.password;
  return s;
}
// Returns a session {cookie, csrf, user, email, password}.
export const signupPatient = (server, overrides) => signup(server, patientBody(overrides));
export const signupDoctor = (server, overrides) => signup(server, doctorBody(overrides));

export async function login(server, email, password = PASSWORD, { bearer = false, expect = 200 } = {}) {
  const body = { email, password };
  if (bearer) body.bearer = true;
  const res = await api(server, 'POST', '/api/v1/auth/login', { body });
  if (expect !== null) assert.equal(res.status, expect, `login ${email}: ${res.status} ${res.text}`);
  const s = sessionFrom(res);
  s.email = email;
  s.password = password;
  s.res = res;
  return s;
}

export async function createAdmin(server, { email = uniqueEmail('admin'), name = 'Ada Admin', password = PASSWORD } = {}) {
  const r = await server.cli(['admin', 'create', '--email', email, '--name', name], { input: password + '\n' });
  assert.equal(r.code, 0, `admin create failed: ${r.stdout} ${r.stderr}`);
  return login(server, email, password);
}

export async function approveDoctor(server, admin, doctorId) {
  const res = await api(server, 'POST', `/api/v1/admin/doctors/${doctorId}/approve`, { session: admin });
  assert.equal(res.status, 200, `approve ${doctorId}: ${res.status} ${res.text}`);
  return res.json;
}

// Runs a read-only SQL query against the server's database; returns rows as plain objects.
export function sql(server, query) {
  const q = query.trim().replace(/;\s*$/, '');
  if (server.sqliteFile) {
    const out = execFileSync('sqlite3', ['-json', '-cmd', '.timeout 5000', server.sqliteFile, q], { encoding: 'utf8' });
    return out.trim() ? JSON.parse(out) : [];
  }
  const out = psql(server.dbUrl, ['-At', '-c', `SELECT coalesce(json_agg(t), '[]'::json) FROM (${q}) t`]);
  return JSON.parse(out.trim() || '[]');
}

// Runs a statement that changes the database behind the server's back (only to simulate time
// passing, e.g. an expired token). Returns nothing.
export function sqlExec(server, statement) {
  if (server.sqliteFile) execFileSync('sqlite3', ['-cmd', '.timeout 5000', server.sqliteFile, statement], { encoding: 'utf8' });
  else psql(server.dbUrl, ['-c', statement]);
}

export function count(server, table, where = '') {
  const rows = sql(server, `SELECT count(*) AS n FROM ${table}${where ? ' WHERE ' + where : ''}`);
  return Number(rows[0].n);
}

const lit = (s) => `'${String(s).replace(/'/g, "''")}'`;

// Outbox rows (data parsed), optionally filtered by template and recipient.
export function readOutbox(server, { template, to } = {}) {
  const where = [];
  if (template) where.push(`template = ${lit(template)}`);
  if (to) where.push(`lower(to_email) = lower(${lit(to)})`);
  const rows = sql(server, `SELECT id, created_at, category, template, to_user_id, to_email, data, status FROM outbox${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY id`);
  return rows.map((r) => ({ ...r, data: typeof r.data === 'string' ? JSON.parse(r.data) : r.data }));
}

export function readAudit(server, { action } = {}) {
  const where = action ? ` WHERE action = ${lit(action)}` : '';
  return sql(server, `SELECT id, at, actor_user_id, action, subject_user_id, ip, request_id, details FROM audit_log${where} ORDER BY id`);
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP (exact bytes on the wire; fetch would normalise paths).
export function rawRequest(server, data, { timeoutMs = 10_000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(server.port, '127.0.0.1');
    const chunks = [];
    const timer = setTimeout(() => { sock.destroy(); resolve(parseRaw(Buffer.concat(chunks), true)); }, timeoutMs);
    sock.on('connect', () => sock.write(data));
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', (e) => { clearTimeout(timer); if (chunks.length) resolve(parseRaw(Buffer.concat(chunks))); else reject(e); });
    sock.on('close', () => { clearTimeout(timer); resolve(parseRaw(Buffer.concat(chunks))); });
  });
}

function parseRaw(buf, timedOut = false) {
  const s = buf.toString('latin1');
  const end = s.indexOf('\r\n\r\n');
  const head = end >= 0 ? s.slice(0, end) : s;
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  const headers = {};
  for (const line of head.split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const body = end >= 0 ? buf.subarray(end + 4) : Buffer.alloc(0);
  return { status: m ? Number(m[1]) : 0, headers, head, body, bodyText: body.toString('utf8'), raw: s, timedOut };
}

export function rawGet(server, target, extra = '') {
  return rawRequest(server, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n${extra}Connection: close\r\n\r\n`);
}

export async function healthy(server) {
  const r = await api(server, 'GET', '/healthz');
  return r.status === 200 && r.json?.status === 'ok';
}
