// The hot reads answered from memory (accounts::ReadCache, MEDCORE_READ_CACHE_MS): GET /api/v1/me
// and the public directory keep their exact answers, and every change is seen at once on the
// instance that made it — a revoked session is refused on its very next request. On PostgreSQL,
// two instances on one database: a change on one reaches the other through the chat's "sessions
// ended / access revoked" notices, well inside the TTL; a change behind the server's back (a
// notice lost) within the TTL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, api, assertProblem, signupPatient, signupDoctor, login, createAdmin, approveDoctor, sessionFrom,
  sqlExec, freePort, PG_URL, PASSWORD,
} from './harness.mjs';

const CACHE_MS = 1000;  // the default, set explicitly: the bound the TTL test holds the server to

// Polls until `done(answer)` or the deadline; returns the elapsed milliseconds.
async function until(request, done, deadlineMs, what) {
  const start = Date.now();
  for (;;) {
    const r = await request();
    if (done(r)) return Date.now() - start;
    if (Date.now() - start > deadlineMs) assert.fail(`${what}: not within ${deadlineMs} ms (last: ${r.status} ${r.text.slice(0, 200)})`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const me = (server, session) => api(server, 'GET', '/api/v1/me', { session });
// Twice: the first answer may come from the database, the second from memory; both must match.
async function meTwice(server, session) {
  const first = await me(server, session);
  const second = await me(server, session);
  assert.equal(second.status, first.status);
  assert.deepEqual(second.json, first.json, 'the answer from memory is the database answer');
  return second;
}
const directory = (server, query) => api(server, 'GET', '/api/v1/doctors' + query);

describe('reads from memory on one instance', () => {
  let server;
  let admin;
  before(async () => {
    server = await startServer({ env: { MEDCORE_READ_CACHE_MS: String(CACHE_MS) } });
    admin = await createAdmin(server);
  });
  after(async () => {
    const r = await server.stop();
    assert.equal(r.code, 0, `clean shutdown: ${JSON.stringify(r)}`);
  });

  it('GET /me answers exactly what sign-up returned, with the session\'s CSRF token', async () => {
    const p = await signupPatient(server, { name: 'Maria Memory', time_zone: 'Europe/Lisbon' });
    const r = await meTwice(server, p);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.deepEqual(r.json, { user: p.user, csrf_token: p.csrf });
    assert.deepEqual(r.json.user.patient, { date_of_birth: '1990-04-01', sex: 'female', time_zone: 'Europe/Lisbon' });
  });

  it('logout: the very next request with that session is refused', async () => {
    const p = await signupPatient(server);
    const other = await login(server, p.email);
    await meTwice(server, p);
    await meTwice(server, other);
    assert.equal((await api(server, 'POST', '/api/v1/auth/logout', { session: p })).status, 204);
    assertProblem(await me(server, p), 401, 'unauthenticated', 'logged-out session');
    assert.equal((await me(server, other)).status, 200, 'the user\'s other session lives on');
  });

  it('password change: the other sessions are refused at once, the new one works', async () => {
    const p = await signupPatient(server);
    const other = await login(server, p.email);
    await meTwice(server, other);
    const r = await api(server, 'POST', '/api/v1/auth/password/change', {
      session: p, body: { current_password: PASSWORD, new_password: 'a brand new password' },
    });
    assert.equal(r.status, 200, r.text);
    assertProblem(await me(server, other), 401, 'unauthenticated', 'session from before the change');
    assertProblem(await me(server, p), 401, 'unauthenticated', 'the session that made the change was replaced');
    assert.equal((await me(server, sessionFrom(r))).status, 200);
  });

  it('PATCH /me: the next GET /me shows the change', async () => {
    const p = await signupPatient(server);
    await meTwice(server, p);
    const r = await api(server, 'PATCH', '/api/v1/me', { session: p, body: { name: 'Renamed Right Away' } });
    assert.equal(r.status, 200);
    assert.deepEqual((await me(server, p)).json.user, r.json.user);
  });

  it('the directory page answers exactly, and follows approval, suspension, reinstatement and profile edits at once', async () => {
    const specialty = 'Memorology ' + Date.now();
    const d = await signupDoctor(server, { name: 'Dr Cache First', specialty, years_experience: 7, bio: 'Remembers.', consultation_fee_cents: 5100 });
    const query = `?specialty=${encodeURIComponent(specialty)}`;
    assert.deepEqual((await directory(server, query)).json, { items: [], next_cursor: null }, 'pending: not listed');
    await directory(server, query);  // cached empty page
    await approveDoctor(server, admin, d.user.id);
    const listed = {
      id: d.user.id, name: 'Dr Cache First', specialty, years_experience: 7, bio: 'Remembers.',
      consultation_fee_cents: 5100, currency: 'USD',
    };
    for (let i = 0; i < 2; i++) assert.deepEqual((await directory(server, query)).json, { items: [listed], next_cursor: null });

    const edit = await api(server, 'PATCH', '/api/v1/me', { session: d, body: { bio: 'Edited bio.' } });
    assert.equal(edit.status, 200);
    assert.equal((await directory(server, query)).json.items[0].bio, 'Edited bio.', 'profile edit shows at once');

    const s = await api(server, 'POST', `/api/v1/admin/doctors/${d.user.id}/suspend`, { session: admin, body: { reason: 'Licence review.' } });
    assert.equal(s.status, 200);
    assert.deepEqual((await directory(server, query)).json.items, [], 'suspended: gone at once');
    assert.equal((await me(server, d)).json.user.doctor.status, 'suspended', 'and the doctor\'s own /me says so');

    assert.equal((await api(server, 'POST', `/api/v1/admin/doctors/${d.user.id}/reinstate`, { session: admin })).status, 200);
    assert.equal((await directory(server, query)).json.items.length, 1, 'reinstated: back at once');
  });

  it('a session revoked behind this instance\'s back (another instance, a lost notice) is refused within MEDCORE_READ_CACHE_MS', async () => {
    const p = await signupPatient(server);
    await meTwice(server, p);
    sqlExec(server, `UPDATE sessions SET revoked_at = 1 WHERE user_id = ${Number(p.user.id)}`);
    const ms = await until(() => me(server, p), (r) => r.status === 401, CACHE_MS + 1000, 'refused after a revocation in the database');
    assert.ok(ms <= CACHE_MS + 1000, `refused after ${ms} ms`);
  });
});

describe('reads from memory on two instances sharing one PostgreSQL database', { skip: PG_URL ? false : 'needs PostgreSQL (MEDCORE_TEST_PG_URL): SQLite deployments are single-instance' }, () => {
  // B keeps answers for a minute: whatever it refuses within a few seconds, it learnt from A's notice.
  const LONG_CACHE_MS = 60_000;
  const NOTICE_BOUND_MS = 5_000;
  let a;
  let b;
  let admin;
  before(async () => {
    a = await startServer({ env: { MEDCORE_READ_CACHE_MS: String(CACHE_MS) } });
    const port = await freePort();
    const env = { ...a.env, MEDCORE_LISTEN: `127.0.0.1:${port}`, MEDCORE_READ_CACHE_MS: String(LONG_CACHE_MS), MEDCORE_BACKGROUND: '0' };
    // Same database as A; A's stop() drops it, so B's must not.
    b = await startServer({ ctx: { ...a, env, port, url: `http://127.0.0.1:${port}`, cli: a.cli, dropDatabase: async () => {} } });
    admin = await createAdmin(a);
  });
  after(async () => {
    if (b) await b.stop();
    if (a) await a.stop();
  });

  it('a logout on A is refused on B within the notice bound (B\'s cache would keep it a minute)', async () => {
    const p = await signupPatient(a);
    await meTwice(b, p);
    assert.equal((await api(a, 'POST', '/api/v1/auth/logout', { session: p })).status, 204);
    await until(() => me(b, p), (r) => r.status === 401, NOTICE_BOUND_MS, 'logout on A seen on B');
  });

  it('a password change on A ends the other sessions on B within the notice bound', async () => {
    const p = await signupPatient(a);
    const other = await login(a, p.email);
    await meTwice(b, other);
    const r = await api(a, 'POST', '/api/v1/auth/password/change', {
      session: p, body: { current_password: PASSWORD, new_password: 'another new password' },
    });
    assert.equal(r.status, 200);
    await until(() => me(b, other), (x) => x.status === 401, NOTICE_BOUND_MS, 'password change on A seen on B');
  });

  it('a suspension on A reaches B\'s cached session and /me within the notice bound', async () => {
    const d = await signupDoctor(a);
    await approveDoctor(a, admin, d.user.id);
    assert.equal((await meTwice(b, d)).json.user.doctor.status, 'approved');
    assert.equal((await api(a, 'POST', `/api/v1/admin/doctors/${d.user.id}/suspend`, { session: admin, body: { reason: 'Licence review.' } })).status, 200);
    await until(() => me(b, d), (r) => r.json?.user?.doctor?.status === 'suspended', NOTICE_BOUND_MS, 'suspension on A seen on B');
  });
});
