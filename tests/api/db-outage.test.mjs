// Database outages (issue 13). The server must neither crash nor wedge when its database goes away:
// /healthz stays 200, /readyz answers 503, API routes answer 503 not-ready (problem+json with
// Retry-After) at once, background work (jobs, mail, the LISTEN connection) waits quietly and
// logs once per state change, and everything recovers by itself within seconds of the database's
// return — with every queued mail delivered, and every due job run, exactly once.
//
// PostgreSQL pass: a throw-away cluster of this suite's own (scripts/pg.sh), so killing it does
// not disturb the shared one: (1) crash (pg_ctl -m immediate) and restart on the same port, (2) the
// same while a request's transaction waits on a row lock, (3) pg_terminate_backend of every
// connection of the server. SQLite pass: a full disk (a small tmpfs), and a read-only directory.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  REPO_ROOT, BIN, PG_URL, prepareEnv, startServer, api, assertProblem, signupPatient, signupDoctor, createAdmin,
  approveDoctor, patientBody, sql, sqlExec, count, sleep,
} from './harness.mjs';
import { readEmlDir, waitFor } from './support/mail.mjs';

const execFileP = promisify(execFile);
const PG_SH = path.join(REPO_ROOT, 'scripts', 'pg.sh');
const IS_ROOT = process.getuid?.() === 0;
const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const ALL_DAY = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));
// An answer "at once": a refusal from the database layer takes milliseconds; this leaves room
// for a loaded CI machine, and is far below a connect timeout or a worker pool waiting on one.
const PROMPT_MS = 1500;
// "Recovers by itself within a few seconds" of the database being back.
const RECOVERY_MS = 5000;

// Every JSON log line the server writes, parsed (the harness keeps only a tail of stdout); also
// kept in tests/artifacts/db-outage/NAME.log for reading after a failure.
function collectLogs(child, name) {
  const events = [];
  const dir = path.join(REPO_ROOT, 'tests', 'artifacts', 'db-outage');
  fs.mkdirSync(dir, { recursive: true });
  const file = fs.createWriteStream(path.join(dir, `${name}.log`));
  child.stdout.on('end', () => file.end());
  let partial = '';
  child.stdout.on('data', (chunk) => {
    file.write(chunk);
    partial += chunk;
    let nl;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      try { events.push(JSON.parse(line)); } catch { /* not a log line */ }
    }
  });
  return events;
}
const eventsNamed = (events, name) => events.filter((e) => e.event === name);

// /healthz every 100 ms for as long as the test runs; every miss is kept.
function watchHealth(server) {
  const state = { checks: 0, misses: [], stopped: false };
  state.done = (async () => {
    while (!state.stopped) {
      try {
        const r = await fetch(server.url + '/healthz', { signal: AbortSignal.timeout(2000) });
        await r.arrayBuffer();
        if (r.status !== 200) state.misses.push(`status ${r.status}`);
      } catch (e) {
        state.misses.push(String(e.cause?.code || e.message));
      }
      state.checks += 1;
      await sleep(100);
    }
  })();
  state.stop = async () => { state.stopped = true; await state.done; };
  return state;
}

async function timed(promise) {
  const t0 = Date.now();
  const res = await promise;
  return { res, ms: Date.now() - t0 };
}

// 503 not-ready as a problem document with Retry-After, answered promptly.
function assertNotReady({ res, ms }, what) {
  assertProblem(res, 503, 'not-ready', what);
  assert.match(res.headers.get('retry-after') || '', /^\d+$/, `${what}: Retry-After`);
  assert.ok(ms < PROMPT_MS, `${what}: answered in ${ms} ms, not at once`);
}

// Logs once per state change: db_unavailable and db_recovered alternate, starting with an outage
// and ending recovered; the runners add no line per poll; nothing failed as a 500.
function assertQuietLogs(events, { outages }) {
  const changes = events.filter((e) => e.event === 'db_unavailable' || e.event === 'db_recovered').map((e) => e.event);
  for (let i = 0; i < changes.length; i++)
    assert.equal(changes[i], i % 2 === 0 ? 'db_unavailable' : 'db_recovered', `state changes alternate: ${changes}`);
  assert.equal(changes.at(-1), 'db_recovered', `ends recovered: ${changes}`);
  const down = changes.filter((c) => c === 'db_unavailable').length;
  assert.ok(down >= outages.min && down <= outages.max, `db_unavailable logged ${down} times for ${outages.min} outage(s)`);
  for (const noisy of ['jobs_poll_failed', 'jobs_schedule_failed', 'mail_worker_error', 'realtime_adapter_reconnect_failed',
    'chat_presence_failed', 'handler_failed', 'mail_release_failed', 'job_lease_lost', 'job_outcome_unrecorded'])
    assert.deepEqual(eventsNamed(events, noisy).map((e) => e.error || e.event), [], `no ${noisy} lines`);
  const errors = events.filter((e) => e.event === 'http_request' && e.status >= 500 && e.status !== 503);
  assert.deepEqual(errors.map((e) => `${e.status} ${e.method} ${e.path}`), [], 'no 5xx other than 503');
}

// Every outbox row sent, exactly once: one mail_sent line per row and one .eml per Message-ID.
async function assertMailDeliveredOnce(server, events) {
  await waitFor(() => count(server, 'outbox', "status <> 'sent'") === 0, 'all mail sent', 60_000, 100);
  const rows = sql(server, 'SELECT id, message_id, status FROM outbox ORDER BY id');
  // The log line follows the status update; give the last lines time to arrive.
  await waitFor(() => new Set(eventsNamed(events, 'mail_sent').map((e) => e.outbox_id)).size >= rows.length,
    'a mail_sent line for every mail', 10_000);
  const sends = new Map();
  for (const e of eventsNamed(events, 'mail_sent')) sends.set(e.outbox_id, (sends.get(e.outbox_id) || 0) + 1);
  const twice = rows.filter((r) => sends.get(Number(r.id)) !== 1).map((r) => `${r.id}:${sends.get(Number(r.id)) || 0}`);
  assert.deepEqual(twice, [], 'each mail handed to the transport exactly once (outbox id:sends)');
  const files = readEmlDir(path.join(server.varDir, 'mail')).map((m) => m.headers['message-id']);
  assert.equal(new Set(files).size, files.length, 'one file per Message-ID');
  assert.deepEqual([...files].sort(), rows.map((r) => r.message_id).sort(), 'a file for every mail, and no other');
}

// Pending mail due over the next `spreadMs` (the password-reset template renders from its data).
function queueMail(server, n, spreadMs, tag) {
  const t0 = Date.now();
  const data = `'{"name":"Patient '||i||'","reset_url":"http://app.test/reset-password?token=t'||i||'","expires_minutes":30}'`;
  const cols = 'created_at, category, template, to_email, data, message_id, status, attempts, next_attempt_at';
  const vals = `${t0}, 'security', 'password_reset', 'p'||i||'.${tag}@example.org', ${data}, '<${tag}-'||i||'@medcore>', 'pending', 0, ${t0} + i * ${Math.floor(spreadMs / n)}`;
  const insert = server.sqliteFile
    ? `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${n}) INSERT INTO outbox (${cols}) SELECT ${vals} FROM n`
    : `INSERT INTO outbox (${cols}) SELECT ${vals} FROM generate_series(1, ${n}) AS i`;
  sqlExec(server, insert);
}

// ------------------------------------------------------------------------------------------------
describe('PostgreSQL outages (a cluster of this suite\'s own)', { skip: !PG_URL && 'runs in the PostgreSQL pass' }, () => {
  let clusterDir, clusterUrl, server, events, health, admin, patient, doctor, appointment;
  const JOBS = 30;
  const MAILS = 600;

  // Durable commits: a crash must not take back what PostgreSQL acknowledged, or "exactly once" is
  // untestable (the default test cluster acknowledges before writing its WAL).
  const pg = (cmd) => execFileP(PG_SH, [cmd, path.join(clusterDir, 'pg')], { timeout: 120_000, env: { ...process.env, MEDCORE_PG_DURABLE: '1' } })
    .then((r) => r.stdout.trim());
  const psqlAt = (query) => execFileSync('psql', [clusterUrl, '-X', '-At', '-c', query], { encoding: 'utf8', timeout: 30_000 }).trim();
  const alive = () => assert.equal(server.exitInfo, null, `the server died: ${JSON.stringify(server.exitInfo)}\n${server.output.stderr.slice(-3000)}`);

  // The database comes back: /readyz turns 200 and the signed-in patient is served again, within seconds.
  async function assertRecovers(what) {
    const t0 = Date.now();
    await waitFor(async () => (await api(server, 'GET', '/readyz', { timeoutMs: 5000 })).status === 200, `${what}: /readyz 200`, 20_000, 50);
    const readyMs = Date.now() - t0;
    const me = await api(server, 'GET', '/api/v1/me', { session: patient });
    assert.equal(me.status, 200, `${what}: the session survived the outage: ${me.text}`);
    assert.ok(readyMs < RECOVERY_MS, `${what}: ready again ${readyMs} ms after the database was back`);
    return readyMs;
  }

  // While the database is away: healthz 200, readyz 503, API routes 503 not-ready, all at once.
  async function assertRefusesPromptly(what) {
    await waitFor(async () => (await api(server, 'GET', '/readyz', { timeoutMs: 5000 })).status === 503, `${what}: /readyz 503`, 10_000, 50);
    for (let i = 0; i < 5; i++) {
      assertNotReady(await timed(api(server, 'GET', '/api/v1/me', { session: patient })), `${what}: GET /me #${i}`);
      assertNotReady(await timed(api(server, 'GET', `/api/v1/doctors/${doctor.user.id}/slots`)), `${what}: slots #${i}`);
      assertNotReady(await timed(api(server, 'PATCH', '/api/v1/me/notifications', { session: patient, body: { reminders: true } })), `${what}: a write #${i}`);
      const ready = await timed(api(server, 'GET', '/readyz'));
      assertProblem(ready.res, 503, 'not-ready', `${what}: readyz`);
      assert.ok(ready.ms < PROMPT_MS, `${what}: readyz answered in ${ready.ms} ms`);
      const h = await api(server, 'GET', '/healthz');
      assert.equal(h.status, 200, `${what}: healthz`);
    }
    alive();
  }

  before(async () => {
    clusterDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medcore-outage-pg-'));
    fs.chmodSync(clusterDir, 0o755);
    clusterUrl = await pg('start');
    const ctx = await prepareEnv({ env: {
      MEDCORE_LOG_LEVEL: 'info',
      MEDCORE_JOBS_POLL_MS: '50',
      MEDCORE_MAIL_POLL_MS: '50',
      MEDCORE_DB_CONNECT_TIMEOUT: '2',
      MEDCORE_INSTANCE_ID: 'outage-test',
    } });
    // This suite's cluster, not the shared one prepareEnv set up.
    ctx.env.MEDCORE_DATABASE_URL = clusterUrl;
    ctx.dbUrl = clusterUrl;
    server = await startServer({ ctx });
    events = collectLogs(server.child, 'postgresql');
    health = watchHealth(server);
    admin = await createAdmin(server);
    doctor = await signupDoctor(server);
    await approveDoctor(server, admin, doctor.user.id);
    const hours = await api(server, 'PUT', '/api/v1/doctor/availability', { session: doctor, body: { time_zone: 'Asia/Kolkata', slot_minutes: 30, weekly: ALL_DAY } });
    assert.equal(hours.status, 200, hours.text);
    patient = await signupPatient(server);
    const start = new Date(Math.ceil((Date.now() + 3 * DAY) / (30 * MIN)) * 30 * MIN).toISOString();
    const booked = await api(server, 'POST', '/api/v1/appointments', { session: patient, body: { doctor_id: doctor.user.id, start } });
    assert.equal(booked.status, 201, booked.text);
    appointment = booked.json;
  });

  after(async () => {
    await health?.stop();
    if (server) await server.stop();
    if (clusterDir) {
      await pg('stop').catch(() => {});
      fs.rmSync(clusterDir, { recursive: true, force: true });
    }
  });

  it('survives a crash, a crash during a transaction and terminated connections; all work done exactly once', async (t) => {
    // Background work spread over the next seconds, so that jobs and mail are due, claimed and
    // running around every fault: each reminder job mails the patient and the doctor.
    const t0 = Date.now();
    const payload = JSON.stringify({ appointment_id: appointment.id, start_at: Date.parse(appointment.start), lead: '24h' });
    sqlExec(server, `INSERT INTO jobs (kind, payload, status, run_at, attempts, max_attempts, created_at) SELECT 'appointments.reminder', '${payload}', 'pending', ${t0} + i * 300, 0, 3, ${t0} FROM generate_series(0, ${JOBS - 1}) AS i`);
    queueMail(server, MAILS, 9000, 'outage');
    await waitFor(() => count(server, 'outbox', "status = 'sent'") > 20, 'delivery under way', 10_000);

    // (1) PostgreSQL crashes and comes back on the same port.
    await pg('crash');
    await assertRefusesPromptly('crash');
    await pg('start');
    t.diagnostic(`crash: ready ${await assertRecovers('crash')} ms after restart`);

    // (2) A crash while a request's transaction is in flight: a booking waits on the patient row,
    // which another session holds locked.
    const holder = spawn('psql', [clusterUrl, '-X', '-q'], { stdio: ['pipe', 'ignore', 'ignore'] });
    holder.stdin.write(`BEGIN; SELECT user_id FROM patients WHERE user_id = ${patient.user.id} FOR UPDATE;\n`);
    await waitFor(() => Number(psqlAt("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'psql' AND state = 'idle in transaction'")) === 1, 'the lock holder', 10_000);
    const slot = new Date(Math.ceil((Date.now() + 4 * DAY) / (30 * MIN)) * 30 * MIN).toISOString();
    const inFlight = api(server, 'POST', '/api/v1/appointments', { session: patient, body: { doctor_id: doctor.user.id, start: slot } });
    await waitFor(() => Number(psqlAt("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'medcore' AND wait_event_type = 'Lock'")) >= 1, 'the booking waiting on the lock', 10_000);
    const crashedAt = Date.now();
    await pg('crash');
    const interrupted = await inFlight;
    assertNotReady({ res: interrupted, ms: Date.now() - crashedAt }, 'the booking in flight');
    holder.kill();
    await assertRefusesPromptly('crash in a transaction');
    await pg('start');
    t.diagnostic(`crash in a transaction: ready ${await assertRecovers('crash in a transaction')} ms after restart`);
    // Nothing of the interrupted booking was kept: the slot is still free.
    const again = await api(server, 'POST', '/api/v1/appointments', { session: patient, body: { doctor_id: doctor.user.id, start: slot } });
    assert.equal(again.status, 201, `the interrupted booking left nothing behind: ${again.text}`);

    // (3) Every connection of the server terminated (the LISTEN connection too); PostgreSQL stays up.
    await waitFor(() => eventsNamed(events, 'realtime_adapter_reconnected').length >= 2, 'the LISTEN connection back after the crashes', 10_000);
    const killed = Number(psqlAt("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'medcore') k"));
    assert.ok(killed >= 2, `terminated ${killed} connections`);
    await waitFor(async () => (await api(server, 'GET', '/api/v1/me', { session: patient })).status === 200, 'served again after pg_terminate_backend', RECOVERY_MS, 50);
    await waitFor(() => eventsNamed(events, 'realtime_adapter_reconnected').length >= 3, 'the LISTEN connection back', 10_000);

    // Every due job ran exactly once, and every mail went out exactly once.
    // (The bookings' own reminder jobs, with a dedupe key, are days away.)
    const inserted = "kind = 'appointments.reminder' AND dedupe_key IS NULL";
    await waitFor(() => count(server, 'jobs', `${inserted} AND status = 'done'`) === JOBS, `all ${JOBS} reminder jobs done`, 60_000, 100);
    const runs = sql(server, `SELECT id, status, attempts FROM jobs WHERE ${inserted} AND attempts <> 1`);
    assert.deepEqual(runs, [], 'each job claimed and run once (attempts = 1)');
    assert.equal(count(server, 'outbox', "template = 'appointment_reminder'"), 2 * JOBS, 'each job did its work once (two reminder mails)');
    await assertMailDeliveredOnce(server, events);

    alive();
    await health.stop();
    assert.ok(health.checks > 20, `healthz polled ${health.checks} times`);
    assert.deepEqual(health.misses, [], '/healthz answered 200 throughout');
    assertQuietLogs(events, { outages: { min: 2, max: 3 } });
    assert.ok(eventsNamed(events, 'realtime_adapter_disconnected').length <= 3, 'the LISTEN thread logs once per loss');
    const stopped = await server.stop();
    assert.equal(stopped.code, 0, `clean shutdown after the outages: ${JSON.stringify(stopped)}`);
  });
});

// ------------------------------------------------------------------------------------------------
// A small tmpfs for the database: mount needs root (CI runs the suites as root).
function mountTmpfs(dir, size) {
  fs.mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}
const canMount = (() => {
  if (!IS_ROOT || PG_URL) return false;
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'medcore-mount-probe-'));
  const ok = mountTmpfs(probe, '1m');
  if (ok) execFileSync('umount', [probe]);
  fs.rmSync(probe, { recursive: true, force: true });
  return ok;
})();

// Writes zeros until the file system is full; returns the file (delete it to free the space).
function fillDisk(dir) {
  const file = path.join(dir, 'filler');
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(64 * 1024);
  try {
    for (;;) fs.writeSync(fd, block);
  } catch (e) {
    if (e.code !== 'ENOSPC') throw e;
  }
  // Whatever partial block still fits.
  try { for (;;) fs.writeSync(fd, Buffer.alloc(512)); } catch (e) { if (e.code !== 'ENOSPC') throw e; }
  fs.closeSync(fd);
  return file;
}

describe('SQLite: a full disk', { skip: PG_URL ? 'runs in the SQLite pass' : (!canMount && 'needs root to mount a small tmpfs') }, () => {
  let server, events, health, mountDir;

  // The server must be gone before the tmpfs can be unmounted, and unmounted before the harness
  // removes its directory.
  async function unmount() {
    if (server && !server.exitInfo) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    if (mountDir) execFileSync('umount', [mountDir]);
    mountDir = null;
  }
  after(async () => {
    await health?.stop();
    await unmount().catch((e) => console.error(String(e)));
    if (server) await server.stop();
  });

  it('writes answer 503 not-ready while reads go on; writing resumes and queued mail goes out once', async (t) => {
    const ctx = await prepareEnv({ env: { MEDCORE_LOG_LEVEL: 'info', MEDCORE_MAIL_POLL_MS: '50', MEDCORE_JOBS_POLL_MS: '50' } });
    mountDir = path.join(ctx.tmp, 'db');
    assert.ok(mountTmpfs(mountDir, '16m'), 'mounted a tmpfs for the database');
    ctx.sqliteFile = path.join(mountDir, 'medcore.db');
    ctx.dbUrl = 'sqlite:' + ctx.sqliteFile;
    ctx.env.MEDCORE_DATABASE_URL = ctx.dbUrl;
    server = await startServer({ ctx });
    events = collectLogs(server.child, 'sqlite-full-disk');
    health = watchHealth(server);
    const patient = await signupPatient(server);
    // Mail falling due while the disk is full (the file transport writes outside the tmpfs).
    queueMail(server, 40, 3000, 'full');

    const filler = fillDisk(mountDir);
    // Some writes may still fit in blocks SQLite already holds; keep writing until one is refused.
    let refused;
    await waitFor(async () => {
      refused = await timed(api(server, 'POST', '/api/v1/auth/signup', { body: patientBody() }));
      assert.notEqual(refused.res.status, 500, `no 500 on a full disk: ${refused.res.text}`);
      return refused.res.status === 503;
    }, 'a write refused for lack of space', 20_000, 10);
    assertNotReady(refused, 'sign-up on a full disk');
    for (let i = 0; i < 5; i++) {
      assertNotReady(await timed(api(server, 'POST', '/api/v1/auth/signup', { body: patientBody() })), `sign-up #${i}`);
      assertNotReady(await timed(api(server, 'PATCH', '/api/v1/me/notifications', { session: patient, body: { chat: false } })), `a write #${i}`);
      const me = await api(server, 'GET', '/api/v1/me', { session: patient });
      assert.equal(me.status, 200, `reads go on: ${me.text}`);
    }
    // Readiness stays 200: this is the only instance, and it still serves every read.
    assert.equal((await api(server, 'GET', '/readyz')).status, 200);
    assert.equal(server.exitInfo, null, 'alive');

    fs.rmSync(filler);
    const freedAt = Date.now();
    const signedUp = await waitFor(async () => {
      const r = await api(server, 'POST', '/api/v1/auth/signup', { body: patientBody() });
      return r.status === 201 && r;
    }, 'writing again', RECOVERY_MS, 50);
    t.diagnostic(`writing again ${Date.now() - freedAt} ms after space was freed`);
    assert.equal(signedUp.status, 201);
    await assertMailDeliveredOnce(server, events);

    await health.stop();
    assert.deepEqual(health.misses, [], '/healthz answered 200 throughout');
    assertQuietLogs(events, { outages: { min: 1, max: 1 } });
    server.child.kill('SIGTERM');
    const stopped = await server.exited;
    assert.equal(stopped.code, 0, `clean shutdown: ${JSON.stringify(stopped)}`);
    await unmount();
  });
});

// ------------------------------------------------------------------------------------------------
// Root ignores file permissions, so this runs the server as `nobody`.
describe('SQLite: a read-only directory', { skip: PG_URL ? 'runs in the SQLite pass' : (!IS_ROOT && 'needs root to run the server as another user') }, () => {
  let child, events, ctx;

  after(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    if (ctx) {
      execFileSync('chmod', ['-R', 'u+w', ctx.tmp]);
      await ctx.dropDatabase();
    }
  });

  it('keeps serving (SQLite holds its files open) and delivers mail held back meanwhile once writable', async () => {
    ctx = await prepareEnv({ env: { MEDCORE_LOG_LEVEL: 'info', MEDCORE_MAIL_POLL_MS: '50', MEDCORE_MAIL_BACKOFF_MS: '200' } });
    fs.chmodSync(ctx.tmp, 0o755);
    execFileSync('chown', ['-R', 'nobody', ctx.tmp]);
    const run = (args) => execFileSync('runuser', ['-u', 'nobody', '--', BIN, ...args], { env: ctx.env, encoding: 'utf8' });
    run(['migrate']);
    child = spawn('runuser', ['-u', 'nobody', '--', BIN, 'serve'], { env: ctx.env, stdio: ['ignore', 'pipe', 'pipe'] });
    events = collectLogs(child, 'sqlite-read-only');
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const server = { url: ctx.url, sqliteFile: ctx.sqliteFile, dbUrl: ctx.dbUrl, varDir: ctx.varDir, get exitInfo() { return child.exitCode === null ? null : { code: child.exitCode }; } };
    await waitFor(async () => {
      try { return (await fetch(ctx.url + '/readyz')).status === 200; } catch { return false; }
    }, `the server as nobody (${stderr.slice(-500)})`, 20_000, 100);
    const health = watchHealth(server);
    const patient = await signupPatient(server);
    const mailDir = path.join(ctx.varDir, 'mail');
    await waitFor(() => fs.existsSync(mailDir) && readEmlDir(mailDir).length > 0, 'the welcome mail', 10_000);

    // The database's directory and files, and the mail directory, become read-only.
    execFileSync('chmod', ['-R', 'a-w', ctx.tmp]);
    const during = [];
    for (let i = 0; i < 5; i++) {
      during.push((await api(server, 'POST', '/api/v1/auth/signup', { body: patientBody() })).status);
      during.push((await api(server, 'GET', '/api/v1/me', { session: patient })).status);
    }
    assert.deepEqual([...new Set(during)].sort(), [200, 201], 'reads and writes go on: SQLite keeps its files open');
    await waitFor(() => eventsNamed(events, 'mail_retry').length > 0, 'mail held back by the read-only mail directory', 10_000);

    execFileSync('chmod', ['-R', 'u+w', ctx.tmp]);
    await assertMailDeliveredOnce(server, events);
    await health.stop();
    assert.deepEqual(health.misses, [], '/healthz answered 200 throughout');
    assert.equal(server.exitInfo, null, 'alive');
    const errors = events.filter((e) => e.event === 'http_request' && e.status >= 500);
    assert.deepEqual(errors.map((e) => `${e.status} ${e.path}`), [], 'no 5xx');
  });
});
