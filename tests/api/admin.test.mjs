// Admin: doctor review workflow, transitions, audit log, more admins, mails, and a race.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, api, assertProblem, errorFields, signupPatient, signupDoctor, login, createAdmin,
  readOutbox, readAudit, count, uniqueEmail, PASSWORD,
} from './harness.mjs';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ADMIN_VIEW_KEYS = ['bio', 'consultation_fee_cents', 'created_at', 'currency', 'email', 'id', 'licence_number', 'name',
  'phone', 'reviewed_at', 'specialty', 'status', 'status_reason', 'years_experience'].sort();
const AUDIT_KEYS = ['action', 'actor_id', 'at', 'details', 'id', 'ip', 'request_id', 'subject_id'];

let server, admin, patient;
before(async () => {
  server = await startServer();
  admin = await createAdmin(server);
  patient = await signupPatient(server);
});
after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `clean shutdown: ${JSON.stringify(r)}`);
  }
});

const act = (id, verb, body, session = admin, headers = {}) =>
  api(server, 'POST', `/api/v1/admin/doctors/${id}/${verb}`, { session, body, headers });

async function listAll(p, session = admin) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < 100; i++) {
    const sep = p.includes('?') ? '&' : '?';
    const r = await api(server, 'GET', `${p}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { session });
    assert.equal(r.status, 200, r.text);
    items.push(...r.json.items);
    cursor = r.json.next_cursor;
    if (!cursor) return items;
  }
  throw new Error('pagination does not end');
}

async function auditByRequestId(requestId) {
  const r = await api(server, 'GET', '/api/v1/admin/audit?limit=100', { session: admin });
  assert.equal(r.status, 200, r.text);
  return r.json.items.filter((i) => i.request_id === requestId);
}

describe('doctor review', () => {
  let d1, d2, d3;
  before(async () => {
    d1 = await signupDoctor(server, { name: 'Dr Approve Me', specialty: 'Neurology' });
    d2 = await signupDoctor(server, { name: 'Dr Reject Me' });
    d3 = await signupDoctor(server, { name: 'Dr Transition' });
  });

  it('pending list holds the pending doctors in the admin view shape, and no patients', async () => {
    const items = await listAll('/api/v1/admin/doctors?status=pending');
    const ids = items.map((i) => i.id);
    for (const d of [d1, d2, d3]) assert.ok(ids.includes(d.user.id), `pending list has ${d.email}`);
    assert.ok(!ids.includes(patient.user.id));
    assert.ok(!ids.includes(admin.user.id));
    const v = items.find((i) => i.id === d1.user.id);
    assert.deepEqual(Object.keys(v).sort(), ADMIN_VIEW_KEYS);
    assert.equal(v.email, d1.email);
    assert.equal(v.status, 'pending');
    assert.equal(v.status_reason, null);
    assert.equal(v.reviewed_at, null);
    assert.equal(v.licence_number, 'MC-1234');
    assert.equal(v.specialty, 'Neurology');
    assert.match(v.created_at, ISO_UTC);
    for (const i of items) assert.equal(i.status, 'pending');
  });

  it('approve: 200 admin view, doctor approved in /me and listed in /doctors', async () => {
    const r = await act(d1.user.id, 'approve', undefined, admin, { 'x-request-id': 'approve-d1-req' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ADMIN_VIEW_KEYS);
    assert.equal(r.json.id, d1.user.id);
    assert.equal(r.json.status, 'approved');
    assert.match(r.json.reviewed_at, ISO_UTC);
    const me = await api(server, 'GET', '/api/v1/me', { session: d1 });
    assert.equal(me.json.user.doctor.status, 'approved');
    const dir = await api(server, 'GET', '/api/v1/doctors?limit=100');
    assert.ok(dir.json.items.some((i) => i.id === d1.user.id));
    assert.equal((await api(server, 'GET', `/api/v1/doctors/${d1.user.id}`)).status, 200);
    const pending = await listAll('/api/v1/admin/doctors?status=pending');
    assert.ok(!pending.some((i) => i.id === d1.user.id));
    const approved = await listAll('/api/v1/admin/doctors?status=approved');
    assert.ok(approved.some((i) => i.id === d1.user.id));
  });

  it('approve is audited with actor, subject and request id', async () => {
    const rows = await auditByRequestId('approve-d1-req');
    assert.equal(rows.length, 1, JSON.stringify(rows));
    const a = rows[0];
    assert.deepEqual(Object.keys(a).sort(), AUDIT_KEYS);
    assert.equal(a.action, 'admin.doctor_approved');
    assert.equal(a.actor_id, admin.user.id);
    assert.equal(a.subject_id, d1.user.id);
    assert.match(a.at, ISO_UTC);
    assert.equal(a.ip, '127.0.0.1');
  });

  it('approval mail goes to the outbox', async () => {
    const rows = readOutbox(server, { template: 'doctor_approved', to: d1.email });
    assert.equal(rows.length, 1);
    assert.equal(rows[0].to_user_id, d1.user.id);
  });

  it('reject requires a reason (3–500 chars) → 422', async () => {
    for (const body of [undefined, {}, { reason: '' }, { reason: 'ab' }, { reason: 'x'.repeat(501) }, { reason: 42 }]) {
      const r = await act(d2.user.id, 'reject', body);
      if (body === undefined) {
        assert.ok([400, 422].includes(r.status), `no body: ${r.status}`);
        assertProblem(r, r.status);
      } else {
        assertProblem(r, 422, 'validation', JSON.stringify(body));
        assert.ok(errorFields(r).includes('reason'));
      }
    }
    const me = await api(server, 'GET', '/api/v1/me', { session: d2 });
    assert.equal(me.json.user.doctor.status, 'pending', 'nothing changed');
  });

  it('reject with a reason: 200, rejected with status_reason, mail, audit', async () => {
    const reason = 'Licence number could not be verified.';
    const r = await act(d2.user.id, 'reject', { reason }, admin, { 'x-request-id': 'reject-d2-req' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'rejected');
    assert.equal(r.json.status_reason, reason);
    const me = await api(server, 'GET', '/api/v1/me', { session: d2 });
    assert.equal(me.json.user.doctor.status, 'rejected');
    assert.equal(me.json.user.doctor.status_reason, reason);
    assert.equal((await api(server, 'GET', `/api/v1/doctors/${d2.user.id}`)).status, 404);
    const mails = readOutbox(server, { template: 'doctor_rejected', to: d2.email });
    assert.equal(mails.length, 1);
    assert.ok(JSON.stringify(mails[0].data).includes(reason), `the mail says why: ${JSON.stringify(mails[0].data)}`);
    const rows = await auditByRequestId('reject-d2-req');
    assert.equal(rows.length, 1);
    assert.match(rows[0].action, /reject/);
    assert.equal(rows[0].actor_id, admin.user.id);
    assert.equal(rows[0].subject_id, d2.user.id);
  });

  it('suspend (reason required) and reinstate an approved doctor', async () => {
    assertProblem(await act(d1.user.id, 'suspend', {}), 422, 'validation');
    const s = await act(d1.user.id, 'suspend', { reason: 'Complaints under review.' }, admin, { 'x-request-id': 'suspend-d1-req' });
    assert.equal(s.status, 200, s.text);
    assert.equal(s.json.status, 'suspended');
    assert.equal(s.json.status_reason, 'Complaints under review.');
    assert.equal((await api(server, 'GET', `/api/v1/doctors/${d1.user.id}`)).status, 404);
    const dir = await api(server, 'GET', '/api/v1/doctors?limit=100');
    assert.ok(!dir.json.items.some((i) => i.id === d1.user.id));
    const me = await api(server, 'GET', '/api/v1/me', { session: d1 });
    assert.equal(me.json.user.doctor.status, 'suspended');
    const rs = await act(d1.user.id, 'reinstate', undefined, admin, { 'x-request-id': 'reinstate-d1-req' });
    assert.equal(rs.status, 200, rs.text);
    assert.equal(rs.json.status, 'approved');
    assert.equal((await api(server, 'GET', `/api/v1/doctors/${d1.user.id}`)).status, 200);
    const a1 = await auditByRequestId('suspend-d1-req');
    assert.equal(a1.length, 1);
    assert.match(a1[0].action, /suspend/);
    assert.equal(a1[0].subject_id, d1.user.id);
    const a2 = await auditByRequestId('reinstate-d1-req');
    assert.equal(a2.length, 1);
    assert.match(a2[0].action, /reinstate/);
  });

  const invalid = [
    // [doctor, action, body] with d1 approved, d2 rejected, d3 pending
    ['d1', 'approve'], ['d1', 'reject', { reason: 'too late now' }], ['d1', 'reinstate'],
    ['d2', 'approve'], ['d2', 'reject', { reason: 'again please' }], ['d2', 'suspend', { reason: 'not approved' }], ['d2', 'reinstate'],
    ['d3', 'suspend', { reason: 'still pending' }], ['d3', 'reinstate'],
  ];
  for (const [who, verb, body] of invalid) {
    it(`invalid transition: ${verb} ${who} → 409 invalid-transition, nothing changes`, async () => {
      const d = { d1, d2, d3 }[who];
      const before = (await api(server, 'GET', '/api/v1/me', { session: d })).json.user.doctor;
      const auditBefore = count(server, 'audit_log');
      const r = await act(d.user.id, verb, body);
      assertProblem(r, 409, 'invalid-transition');
      const afterState = (await api(server, 'GET', '/api/v1/me', { session: d })).json.user.doctor;
      assert.deepEqual(afterState, before);
      assert.equal(count(server, 'audit_log'), auditBefore, 'no audit row for a refused action');
    });
  }

  it('unknown doctor → 404 (missing id, a patient, an admin)', async () => {
    for (const id of [99999999, patient.user.id, admin.user.id]) {
      for (const [verb, body] of [['approve'], ['reject', { reason: 'no such doctor' }], ['suspend', { reason: 'no such doctor' }], ['reinstate']]) {
        assertProblem(await act(id, verb, body), 404, 'not-found', `${verb} ${id}`);
      }
    }
    assertProblem(await act('abc', 'approve'), 404);
  });

  it('admin list: bad status or limit → 400', async () => {
    assertProblem(await api(server, 'GET', '/api/v1/admin/doctors?status=bogus', { session: admin }), 400, 'bad-request');
    assertProblem(await api(server, 'GET', '/api/v1/admin/doctors?limit=0', { session: admin }), 400, 'bad-request');
    assertProblem(await api(server, 'GET', '/api/v1/admin/doctors?cursor=%%%', { session: admin }), 400, 'bad-request');
  });
});

describe('audit log', () => {
  it('records login success and failure with the request id', async () => {
    const p = await signupPatient(server);
    const bad = await api(server, 'POST', '/api/v1/auth/login', { body: { email: p.email, password: 'wrong password!' }, headers: { 'x-request-id': 'login-fail-req' } });
    assert.equal(bad.status, 401);
    const good = await api(server, 'POST', '/api/v1/auth/login', { body: { email: p.email, password: PASSWORD }, headers: { 'x-request-id': 'login-ok-req' } });
    assert.equal(good.status, 200);
    const f = await auditByRequestId('login-fail-req');
    assert.equal(f.length, 1, JSON.stringify(f));
    assert.match(f[0].action, /login/);
    assert.match(f[0].action, /fail/);
    assert.equal(f[0].subject_id, p.user.id);
    const s = await auditByRequestId('login-ok-req');
    assert.equal(s.length, 1, JSON.stringify(s));
    assert.match(s[0].action, /login/);
    assert.doesNotMatch(s[0].action, /fail/);
    assert.ok(s[0].actor_id === p.user.id || s[0].subject_id === p.user.id);
    // the password is never written into the audit log
    const all = readAudit(server);
    assert.ok(!JSON.stringify(all).includes('wrong password!'));
    assert.ok(!JSON.stringify(all).includes(PASSWORD));
  });

  it('filters by action, actor and subject; newest first; paginates', async () => {
    const byAction = await api(server, 'GET', '/api/v1/admin/audit?action=admin.doctor_approved', { session: admin });
    assert.equal(byAction.status, 200);
    assert.ok(byAction.json.items.length >= 1);
    for (const i of byAction.json.items) assert.equal(i.action, 'admin.doctor_approved');
    const byActor = await api(server, 'GET', `/api/v1/admin/audit?actor_id=${admin.user.id}&limit=100`, { session: admin });
    assert.ok(byActor.json.items.length >= 4);
    for (const i of byActor.json.items) assert.equal(i.actor_id, admin.user.id);
    const ids = byActor.json.items.map((i) => i.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
    const all = [];
    let cursor = null;
    do {
      const r = await api(server, 'GET', `/api/v1/admin/audit?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { session: admin });
      assert.equal(r.status, 200, r.text);
      assert.ok(r.json.items.length <= 2);
      all.push(...r.json.items.map((i) => i.id));
      cursor = r.json.next_cursor;
    } while (cursor && all.length < 10000);
    assert.equal(new Set(all).size, all.length, 'no duplicates');
    assert.equal(all.length, count(server, 'audit_log'), 'covers every row');
    assertProblem(await api(server, 'GET', '/api/v1/admin/audit?actor_id=abc', { session: admin }), 400, 'bad-request');
  });
});

describe('more admins', () => {
  it('POST /admin/admins creates an admin who can work', async () => {
    const email = uniqueEmail('admin2');
    const r = await api(server, 'POST', '/api/v1/admin/admins', { session: admin, body: { name: 'Second Admin', email, password: 'second admin password' } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.user.role, 'admin');
    assert.equal(r.json.user.email, email);
    assert.equal(r.json.user.patient, null);
    assert.equal(r.json.user.doctor, null);
    assert.equal(r.setCookies.filter((c) => c.startsWith('medcore_session=')).length, 0, 'does not switch the caller\'s session');
    const a2 = await login(server, email, 'second admin password');
    const list = await api(server, 'GET', '/api/v1/admin/doctors?status=pending', { session: a2 });
    assert.equal(list.status, 200);
    // the creator is still signed in as themselves
    const me = await api(server, 'GET', '/api/v1/me', { session: admin });
    assert.equal(me.json.user.id, admin.user.id);
    assertProblem(await api(server, 'POST', '/api/v1/admin/admins', { session: admin, body: { name: 'Dup', email: email.toUpperCase(), password: 'second admin password' } }), 409, 'email-taken');
    const bad = await api(server, 'POST', '/api/v1/admin/admins', { session: admin, body: { name: 'Short', email: uniqueEmail('admin3'), password: 'short' } });
    assertProblem(bad, 422, 'validation');
    assert.ok(errorFields(bad).includes('password'));
    const audit = readAudit(server).filter((a) => a.subject_user_id === r.json.user.id && /admin/.test(a.action));
    assert.ok(audit.length >= 1, 'admin creation is audited');
  });
});

describe('race', () => {
  it('10 parallel approvals of one pending doctor: one 200, nine 409, one audit row', async () => {
    const d = await signupDoctor(server, { name: 'Dr Race' });
    const results = await Promise.all(Array.from({ length: 10 }, () => act(d.user.id, 'approve')));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 409, 409, 409, 409, 409, 409, 409, 409, 409], results.map((r) => `${r.status} ${r.text.slice(0, 120)}`).join('\n'));
    for (const r of results.filter((x) => x.status === 409)) assertProblem(r, 409, 'invalid-transition');
    const rows = readAudit(server, { action: 'admin.doctor_approved' }).filter((a) => Number(a.subject_user_id) === d.user.id);
    assert.equal(rows.length, 1);
    assert.equal(readOutbox(server, { template: 'doctor_approved', to: d.email }).length, 1, 'one mail');
  });
});
