// Bad input: every JSON route gets broken bodies; the answer is always a 4xx problem document,
// never a 5xx, and nothing is written.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, api, assertProblem, errorFields, signupPatient, signupDoctor, createAdmin, approveDoctor,
  uniqueEmail, count, healthy, rawRequest, PASSWORD, patientBody, doctorBody, login,
} from './harness.mjs';

const PAYLOADS = ["' OR 1=1 --", '<script>alert(1)</script>', '"; DROP TABLE users; --'];

let server;
const S = {};
const T = {};

// kind: str | int | bool | enum; req: required
const ROUTES = [
  {
    name: 'signup (patient)', method: 'POST', path: () => '/api/v1/auth/signup', session: null,
    base: () => patientBody({ password: PASSWORD }),
    fields: { role: ['enum', true], name: ['str', true], email: ['str', true], password: ['str', true], phone: ['str', true], date_of_birth: ['str', true], sex: ['enum', true] },
  },
  {
    name: 'signup (doctor)', method: 'POST', path: () => '/api/v1/auth/signup', session: null,
    base: () => doctorBody(),
    fields: {
      role: ['enum', true], name: ['str', true], email: ['str', true], password: ['str', true], phone: ['str', true], specialty: ['str', true],
      licence_number: ['str', true], years_experience: ['int', true], bio: ['str', false], consultation_fee_cents: ['int', true],
      date_of_birth: ['str', false], sex: ['enum', false],
    },
  },
  {
    name: 'login', method: 'POST', path: () => '/api/v1/auth/login', session: null,
    base: () => ({ email: uniqueEmail('nobody'), password: 'wrong password!' }),
    fields: { email: ['str', true], password: ['str', true], bearer: ['bool', false] },
  },
  {
    name: 'PATCH /me (patient)', method: 'PATCH', path: () => '/api/v1/me', session: 'patient',
    base: () => ({ name: 'Pat Ient', phone: '+351 900 000 000', date_of_birth: '1991-02-03', sex: 'female' }),
    fields: { name: ['str', false], phone: ['str', false], date_of_birth: ['str', false], sex: ['enum', false] },
  },
  {
    name: 'PATCH /me (doctor)', method: 'PATCH', path: () => '/api/v1/me', session: 'doctor',
    base: () => ({ name: 'Dr Doc', phone: '+351 900 000 001', bio: 'Bio.', years_experience: 5, consultation_fee_cents: 100 }),
    fields: { name: ['str', false], phone: ['str', false], bio: ['str', false], years_experience: ['int', false], consultation_fee_cents: ['int', false] },
  },
  {
    name: 'password forgot', method: 'POST', path: () => '/api/v1/auth/password/forgot', session: null,
    base: () => ({ email: uniqueEmail('nobody') }), fields: { email: ['str', true] },
  },
  {
    name: 'password reset', method: 'POST', path: () => '/api/v1/auth/password/reset', session: null,
    base: () => ({ token: 'not-a-real-token-0000000000', password: 'a long new password' }), fields: { token: ['str', true], password: ['str', true] },
  },
  {
    name: 'password change', method: 'POST', path: () => '/api/v1/auth/password/change', session: 'patient',
    base: () => ({ current_password: 'not my password', new_password: 'a long new password' }),
    fields: { current_password: ['str', true], new_password: ['str', true] },
  },
  {
    name: 'admin reject', method: 'POST', path: () => `/api/v1/admin/doctors/${T.pendingDoctor}/reject`, session: 'admin',
    base: () => ({ reason: 'Could not verify.' }), fields: { reason: ['str', true] }, mutatesOnSuccess: true,
  },
  {
    name: 'admin suspend', method: 'POST', path: () => `/api/v1/admin/doctors/${T.approvedDoctor}/suspend`, session: 'admin',
    base: () => ({ reason: 'Under review.' }), fields: { reason: ['str', true] }, mutatesOnSuccess: true,
  },
  {
    name: 'admin create admin', method: 'POST', path: () => '/api/v1/admin/admins', session: 'admin',
    base: () => ({ name: 'Another Admin', email: uniqueEmail('admin'), password: 'a long admin password' }),
    fields: { name: ['str', true], email: ['str', true], password: ['str', true] },
  },
];

const WRONG = {
  str: [123, true, {}, ['a'], 1.5],
  int: ['12', 1.5, true, {}, [1], -1, 1e20, '1e3'],
  bool: ['yes', 1, {}, 'true'],
  enum: [123, 'bogus', ['patient'], {}],
};

// Values that break a field rule (in range of the type); every one must be a 422 for that field.
const INVALID = {
  name: ['', ' ', 'x'.repeat(101), 'Bad\u0000Name', 'Line\nBreak', 'Tab\u0007Bell'],
  email: ['', 'not-an-email', 'a@', '@b.org', 'a b@c.org', `${'x'.repeat(250)}@example.org`],
  password: ['short', 'x'.repeat(129)],
  new_password: ['short', 'x'.repeat(129)],
  phone: ['12345', 'abc defg', '1'.repeat(21), '+351 912<345>'],
  date_of_birth: ['2999-01-01', '1990-02-30', '1990-13-01', '01/04/1990', '1850-01-01', 'yesterday', ''],
  sex: ['Female', 'other', ''],
  role: ['admin', 'Patient', ''],
  specialty: ['X', 'x'.repeat(61)],
  licence_number: ['AB', 'MC 1234', 'MC_1234!', 'x'.repeat(41)],
  years_experience: [-1, 71],
  consultation_fee_cents: [-1, 10_000_001],
  bio: ['x'.repeat(2001)],
  reason: ['ab', 'x'.repeat(501), ''],
};

before(async () => {
  server = await startServer();
  S.admin = await createAdmin(server);
  S.patient = await signupPatient(server);
  S.doctor = await signupDoctor(server, { name: 'Dr Doc' });
  T.pendingDoctor = (await signupDoctor(server, { name: 'Dr Pending' })).user.id;
  T.approvedDoctor = (await signupDoctor(server, { name: 'Dr Approved' })).user.id;
  await approveDoctor(server, S.admin, T.approvedDoctor);
});
after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `clean shutdown: ${JSON.stringify(r)}`);
  }
});

function problemIssues(r, status, slug, field) {
  const out = [];
  if (r.status >= 500) out.push(`5xx! ${r.status}`);
  if (status && r.status !== status) out.push(`status ${r.status} != ${status}`);
  const ct = r.headers.get('content-type') || '';
  if (!/^application\/problem\+json/.test(ct)) out.push(`content-type ${ct}`);
  const j = r.json;
  if (!j || typeof j !== 'object') return [...out, 'body not JSON'];
  if (slug && j.type !== `urn:medcore:problem:${slug}`) out.push(`type ${j.type}`);
  if (typeof j.title !== 'string' || typeof j.detail !== 'string' || j.status !== r.status) out.push('title/detail/status members');
  if (r.status === 422) {
    if (!Array.isArray(j.errors) || !j.errors.every((e) => typeof e.field === 'string' && typeof e.message === 'string')) out.push('errors[]');
    else if (field && !j.errors.some((e) => e.field === field)) out.push(`errors do not name ${field}: ${JSON.stringify(j.errors)}`);
  }
  return out;
}

async function send(route, opts) {
  return api(server, route.method, route.path(), { session: route.session ? S[route.session] : null, ...opts });
}

describe('malformed bodies change nothing', () => {
  let users, sessions, outbox, audit;
  before(() => {
    users = count(server, 'users');
    sessions = count(server, 'sessions');
    outbox = count(server, 'outbox');
    audit = count(server, 'audit_log');
  });

  for (const route of ROUTES) {
    it(`${route.name}: broken JSON, non-objects, invalid UTF-8 → 400 malformed-json`, async () => {
      const failures = [];
      const raws = [
        '{"name": ', '{', '}', '{"a":1,}', "{'email': 'x'}", 'null', '[]', '[{"email":"a@b.org"}]', '"a string"', '42', 'true',
        '{"email":"a@b.org"} trailing', '\u0000', '{"a":' + '['.repeat(10000) + ']'.repeat(10000) + '}',
        Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]),
        Buffer.concat([Buffer.from('{"email":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('@example.org"}')]),
        Buffer.concat([Buffer.from('{"email":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('@example.org"}')]),
      ];
      for (const raw of raws) {
        const r = await send(route, { raw });
        const issues = problemIssues(r, 400, 'malformed-json');
        if (issues.length) failures.push(`${JSON.stringify(String(raw).slice(0, 40))}: ${issues.join('; ')}`);
      }
      assert.deepEqual(failures, []);
    });

    it(`${route.name}: wrong types, missing and unknown fields → 422 naming the field`, async () => {
      const failures = [];
      for (const [field, [kind, required]] of Object.entries(route.fields)) {
        for (const v of WRONG[kind]) {
          const r = await send(route, { body: { ...route.base(), [field]: v } });
          const issues = problemIssues(r, 422, 'validation', field);
          if (issues.length) failures.push(`${field}=${JSON.stringify(v)}: ${issues.join('; ')}`);
        }
        if (required) {
          const body = { ...route.base() };
          delete body[field];
          const r = await send(route, { body });
          const issues = problemIssues(r, 422, 'validation', field);
          if (issues.length) failures.push(`missing ${field}: ${issues.join('; ')}`);
          const rn = await send(route, { body: { ...route.base(), [field]: null } });
          const issuesN = problemIssues(rn, 422, 'validation', field);
          if (issuesN.length) failures.push(`${field}=null: ${issuesN.join('; ')}`);
        }
      }
      for (const extra of ['unknown_field', 'is_admin', 'id', '__proto__']) {
        const body = JSON.parse(JSON.stringify({ ...route.base() }));
        const raw = JSON.stringify(body).replace(/^\{/, `{${JSON.stringify(extra)}:1,`);
        const r = await send(route, { raw });
        const issues = problemIssues(r, 422, 'validation', extra);
        if (issues.length) failures.push(`unknown ${extra}: ${issues.join('; ')}`);
      }
      assert.deepEqual(failures, []);
    });

    it(`${route.name}: values that break the field rules → 422 naming the field`, async () => {
      const failures = [];
      for (const field of Object.keys(route.fields)) {
        for (const v of INVALID[field] || []) {
          if (route.name === 'login' && field === 'password') continue; // login does not judge password shape
          if (route.name === 'password change' && field === 'current_password') continue;
          if (route.name === 'password forgot' && field === 'email' && v === `${'x'.repeat(250)}@example.org`) continue;
          if (route.name === 'login' && field === 'email') continue; // may answer 401 like any unknown email
          const r = await send(route, { body: { ...route.base(), [field]: v } });
          const issues = problemIssues(r, 422, 'validation', field);
          if (issues.length) failures.push(`${field}=${JSON.stringify(v).slice(0, 40)}: ${issues.join('; ')}`);
        }
      }
      assert.deepEqual(failures, []);
    });

    it(`${route.name}: non-JSON content type → 415`, async () => {
      const failures = [];
      const body = JSON.stringify(route.base());
      for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonx']) {
        const r = await send(route, { raw: body, headers: { 'content-type': ct } });
        const issues = problemIssues(r, 415, 'unsupported-media-type');
        if (issues.length) failures.push(`${ct}: ${issues.join('; ')}`);
      }
      assert.deepEqual(failures, []);
    });

    it(`${route.name}: body over 1 MiB → 413`, async () => {
      const big = JSON.stringify({ ...route.base(), [Object.keys(route.fields)[0]]: 'x'.repeat(1024 * 1024 + 16) });
      let r;
      try {
        r = await send(route, { raw: big });
      } catch {
        // the server may stop reading after the limit; ask again announcing the length only
        const s = route.session ? S[route.session] : null;
        const extra = s?.cookie ? `Cookie: ${s.cookie}\r\nX-CSRF-Token: ${s.csrf}\r\n` : '';
        const rr = await rawRequest(server, `${route.method} ${route.path()} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${extra}Content-Length: ${big.length}\r\nConnection: close\r\n\r\n`);
        assert.equal(rr.status, 413);
        return;
      }
      assertProblem(r, 413, 'payload-too-large');
    });
  }

  it('missing Content-Type with a body → 415', async () => {
    const body = JSON.stringify({ email: 'a@example.org', password: 'wrong password!' });
    const r = await rawRequest(server, `POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    assert.equal(r.status, 415);
    assert.match(r.headers['content-type'] || '', /^application\/problem\+json/);
  });

  it('application/json with a charset parameter is accepted', async () => {
    const r = await api(server, 'POST', '/api/v1/auth/login', { raw: JSON.stringify({ email: uniqueEmail('x'), password: 'wrong password!' }), headers: { 'content-type': 'application/json; charset=utf-8' } });
    assertProblem(r, 401, 'invalid-credentials');
  });

  it('nothing was written and the server is healthy', async () => {
    assert.equal(count(server, 'users'), users, 'users');
    assert.equal(count(server, 'sessions'), sessions, 'sessions');
    assert.equal(count(server, 'outbox'), outbox, 'outbox');
    // audit rows for failed logins are legitimate; nothing else
    const newAudit = count(server, 'audit_log') - audit;
    assert.ok(newAudit >= 0);
    const me = await api(server, 'GET', '/api/v1/me', { session: S.patient });
    assert.equal(me.json.user.name, 'Ana Lima', 'patient unchanged');
    const doc = await api(server, 'GET', '/api/v1/me', { session: S.doctor });
    assert.equal(doc.json.user.name, 'Dr Doc');
    assert.equal(doc.json.user.doctor.years_experience, 12);
    const pend = await api(server, 'GET', '/api/v1/admin/doctors?status=pending&limit=100', { session: S.admin });
    assert.ok(pend.json.items.some((d) => d.id === T.pendingDoctor), 'pending doctor still pending');
    assert.ok(await healthy(server));
    await login(server, S.patient.email);
  });
});

// Fields whose rules can never accept an injection payload (login/forgot/reset may answer 401/202/400).
const strict = (route, field) => /^(signup|PATCH|admin create)/.test(route.name)
  && ['email', 'phone', 'date_of_birth', 'sex', 'role', 'licence_number'].includes(field);

describe('injection payloads in every string field', () => {
  it('always < 500; 4xx are problem documents; accepted values come back verbatim', async () => {
    const failures = [];
    const before = count(server, 'users');
    let created = 0;
    for (const route of ROUTES) {
      for (const [field, [kind]] of Object.entries(route.fields)) {
        if (kind !== 'str' && kind !== 'enum') continue;
        for (const p of PAYLOADS) {
          if (route.mutatesOnSuccess) continue; // covered below with fresh targets
          const r = await send(route, { body: { ...route.base(), [field]: p } });
          const tag = `${route.name} ${field}=${p}`;
          if (r.status >= 500) { failures.push(`${tag}: ${r.status}`); continue; }
          if (r.status >= 400) {
            const issues = problemIssues(r, null, null, null);
            if (issues.length) failures.push(`${tag}: ${issues.join('; ')}`);
            if (strict(route, field) && r.status !== 422) failures.push(`${tag}: expected 422, got ${r.status}`);
            continue;
          }
          if (r.status === 201) created += 1;
          if (strict(route, field) || (field === 'email' && route.name !== 'password forgot')) failures.push(`${tag}: accepted (${r.status})`);
          const u = r.json?.user;
          if (u && field in u && u[field] !== p) failures.push(`${tag}: returned ${JSON.stringify(u[field])}`);
          if (u?.doctor && field in u.doctor && u.doctor[field] !== p) failures.push(`${tag}: returned ${JSON.stringify(u.doctor[field])}`);
          if (r.text.includes('&lt;') || r.text.includes('&#')) failures.push(`${tag}: HTML-escaped in JSON`);
        }
      }
    }
    assert.deepEqual(failures, []);
    assert.equal(count(server, 'users'), before + created, 'the users table is intact');
    assert.ok(await healthy(server));
  });

  it('a script in a bio is stored and served verbatim as JSON text', async () => {
    const admin = S.admin;
    const d = await signupDoctor(server, { name: 'Dr Script', bio: '<script>alert(1)</script> & "quotes" \'single\'' });
    await approveDoctor(server, admin, d.user.id);
    const bio = '<script>alert(1)</script> & "quotes" \'single\' <img src=x onerror=alert(2)>';
    const p = await api(server, 'PATCH', '/api/v1/me', { session: d, body: { bio } });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.user.doctor.bio, bio);
    const pub = await api(server, 'GET', `/api/v1/doctors/${d.user.id}`);
    assert.match(pub.headers.get('content-type'), /^application\/json/);
    assert.equal(pub.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(pub.json.bio, bio);
    assert.ok(!pub.text.includes('&lt;'));
    const list = await api(server, 'GET', `/api/v1/doctors?q=${encodeURIComponent('Dr Script')}`);
    assert.equal(list.json.items[0].bio, bio);
  });

  it('injection payloads as a reason are stored verbatim and break nothing', async () => {
    for (const p of PAYLOADS) {
      const d = await signupDoctor(server, { name: 'Dr Reason' });
      const r = await api(server, 'POST', `/api/v1/admin/doctors/${d.user.id}/reject`, { session: S.admin, body: { reason: p } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.status_reason, p);
    }
    assert.ok(count(server, 'users') > 0);
  });

  it('injection payloads in query parameters → 200 or 400, never 5xx', async () => {
    for (const p of [...PAYLOADS, '%', '\\', "'", '"', '\u0000']) {
      for (const q of [`q=${encodeURIComponent(p)}`, `specialty=${encodeURIComponent(p)}`, `cursor=${encodeURIComponent(p)}`, `limit=${encodeURIComponent(p)}`]) {
        const r = await api(server, 'GET', `/api/v1/doctors?${q}`);
        assert.ok([200, 400].includes(r.status), `${q}: ${r.status}`);
        if (r.status === 400) assertProblem(r, 400, 'bad-request');
      }
      const a = await api(server, 'GET', `/api/v1/admin/audit?action=${encodeURIComponent(p)}`, { session: S.admin });
      assert.ok([200, 400].includes(a.status), `audit action=${p}: ${a.status}`);
    }
    assert.ok(await healthy(server));
  });
});

