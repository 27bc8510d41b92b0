// Accounts and sessions: sign-up, login/logout, /me, CSRF, bearer tokens, throttling,
// password reset and change.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  startServer, api, assertProblem, errorFields, sessionFrom, cookieFrom, signupPatient, signupDoctor, login,
  createAdmin, patientBody, doctorBody, uniqueEmail, readOutbox, sql, sqlExec, count, PASSWORD, healthy,
} from './harness.mjs';
import { resetLinkFromMail } from './support/mail.mjs';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const USER_KEYS = ['created_at', 'doctor', 'email', 'id', 'name', 'patient', 'phone', 'role'];
const DOCTOR_KEYS = ['bio', 'consultation_fee_cents', 'currency', 'licence_number', 'specialty', 'status', 'status_reason', 'years_experience'];

let server;
before(async () => { server = await startServer(); });
after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `clean shutdown: ${JSON.stringify(r)}`);
  }
});

// The reset mail's link, read from the delivered .eml (the outbox row drops it once sent).
async function resetTokenFrom(row) {
  const [{ message_id: messageId }] = sql(server, `SELECT message_id FROM outbox WHERE id = ${Number(row.id)}`);
  const url = await resetLinkFromMail(path.join(server.varDir, 'mail'), messageId);
  assert.ok(url.startsWith('http://app.test'), `reset_url uses MEDCORE_PUBLIC_URL: ${url}`);
  const t = new URL(url).searchParams.get('token');
  assert.ok(t && t.length >= 16, `token in ${url}`);
  return t;
}

async function forgotAndGetToken(email) {
  const before = readOutbox(server, { template: 'password_reset', to: email }).length;
  const r = await api(server, 'POST', '/api/v1/auth/password/forgot', { body: { email } });
  assert.equal(r.status, 202);
  const rows = readOutbox(server, { template: 'password_reset', to: email });
  assert.equal(rows.length, before + 1, 'one reset mail queued');
  return resetTokenFrom(rows[rows.length - 1]);
}

describe('sign-up', () => {
  it('patient: 201, HttpOnly SameSite=Lax cookie, exact user shape, csrf_token', async () => {
    const body = patientBody();
    const r = await api(server, 'POST', '/api/v1/auth/signup', { body });
    assert.equal(r.status, 201, r.text);
    const c = cookieFrom(r);
    assert.ok(c, `medcore_session cookie: ${r.setCookies}`);
    assert.match(c.raw, /;\s*HttpOnly/i);
    assert.match(c.raw, /;\s*SameSite=Lax/i);
    assert.match(c.raw, /;\s*Path=\//i);
    assert.doesNotMatch(c.raw, /;\s*Secure/i, 'not Secure unless MEDCORE_COOKIE_SECURE=1');
    assert.deepEqual(Object.keys(r.json).sort(), ['csrf_token', 'user']);
    assert.equal(typeof r.json.csrf_token, 'string');
    assert.ok(r.json.csrf_token.length >= 16);
    const u = r.json.user;
    assert.deepEqual(Object.keys(u).sort(), USER_KEYS);
    assert.ok(Number.isInteger(u.id) && u.id > 0);
    assert.equal(u.email, body.email);
    assert.equal(u.name, body.name);
    assert.equal(u.role, 'patient');
    assert.equal(u.phone, body.phone);
    assert.match(u.created_at, ISO_UTC);
    assert.ok(Math.abs(Date.parse(u.created_at) - Date.now()) < 120_000, 'created_at is now');
    assert.deepEqual(u.patient, { date_of_birth: body.date_of_birth, sex: body.sex, time_zone: 'UTC' });
    assert.equal(u.doctor, null);
    assert.ok(!('password' in u) && !('password_hash' in u));
    // the cookie is a working session
    const me = await api(server, 'GET', '/api/v1/me', { session: sessionFrom(r) });
    assert.equal(me.status, 200);
    assert.deepEqual(me.json.user, u);
  });

  it('doctor: status pending, exact doctor shape', async () => {
    const body = doctorBody({ bio: 'Twenty years in cardiology.' });
    const r = await api(server, 'POST', '/api/v1/auth/signup', { body });
    assert.equal(r.status, 201, r.text);
    const u = r.json.user;
    assert.deepEqual(Object.keys(u).sort(), USER_KEYS);
    assert.equal(u.role, 'doctor');
    assert.equal(u.patient, null);
    assert.deepEqual(Object.keys(u.doctor).sort(), DOCTOR_KEYS);
    assert.deepEqual(u.doctor, {
      specialty: 'Cardiology', licence_number: 'MC-1234', years_experience: 12, bio: 'Twenty years in cardiology.',
      consultation_fee_cents: 4500, currency: 'USD', status: 'pending', status_reason: null,
    });
  });

  it('cannot sign up as admin', async () => {
    const r = await api(server, 'POST', '/api/v1/auth/signup', { body: { ...patientBody(), role: 'admin' } });
    assertProblem(r, 422, 'validation');
    assert.ok(errorFields(r).includes('role'));
  });

  it('email is trimmed/lower-cased and unique case-insensitively (409 email-taken)', async () => {
    const email = uniqueEmail('Case.Mixed').replace('@example.org', '@Example.ORG');
    const r = await api(server, 'POST', '/api/v1/auth/signup', { body: patientBody({ email }) });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.user.email, email.toLowerCase());
    const usersBefore = count(server, 'users');
    const dup = await api(server, 'POST', '/api/v1/auth/signup', { body: patientBody({ email: email.toUpperCase() }) });
    assertProblem(dup, 409, 'email-taken');
    const dup2 = await api(server, 'POST', '/api/v1/auth/signup', { body: doctorBody({ email: email.toLowerCase() }) });
    assertProblem(dup2, 409, 'email-taken');
    assert.equal(count(server, 'users'), usersBefore, 'nothing written');
    // and login with any case works
    await login(server, email.toUpperCase());
  });

  it('a welcome mail is queued in the outbox', async () => {
    const p = await signupPatient(server);
    const rows = readOutbox(server, { to: p.email });
    const welcome = rows.filter((r) => /welcome/.test(r.template));
    assert.equal(welcome.length, 1, `outbox for ${p.email}: ${JSON.stringify(rows)}`);
    assert.equal(welcome[0].to_user_id, p.user.id);
    // Queued with the account; the delivery worker may already have picked it up (or sent it).
    assert.ok(['pending', 'sending', 'sent'].includes(welcome[0].status), welcome[0].status);
    assert.equal(welcome[0].category, 'account');
  });
});

describe('login, logout, /me', () => {
  let patient;
  before(async () => { patient = await signupPatient(server); });

  it('login: 200 {user, csrf_token, expires_at} and a cookie', async () => {
    const s = await login(server, patient.email);
    const r = s.res;
    assert.deepEqual(Object.keys(r.json).filter((k) => k !== 'token').sort(), ['csrf_token', 'expires_at', 'user']);
    assert.ok(!('token' in r.json) || r.json.token == null, 'no token without bearer');
    assert.match(r.json.expires_at, ISO_UTC);
    assert.ok(Date.parse(r.json.expires_at) > Date.now());
    assert.deepEqual(r.json.user, patient.user);
    const c = cookieFrom(r);
    assert.ok(c);
    assert.match(c.raw, /HttpOnly/i);
    assert.match(c.raw, /SameSite=Lax/i);
    const me = await api(server, 'GET', '/api/v1/me', { session: s });
    assert.equal(me.status, 200);
    assert.deepEqual(Object.keys(me.json).sort(), ['csrf_token', 'user']);
    assert.equal(me.json.csrf_token, s.csrf, '/me returns the current csrf token');
    assert.equal(me.json.user.id, patient.user.id);
  });

  it('GET /me without a session → 401 unauthenticated; garbage cookie → 401', async () => {
    assertProblem(await api(server, 'GET', '/api/v1/me'), 401, 'unauthenticated');
    assertProblem(await api(server, 'GET', '/api/v1/me', { headers: { cookie: 'medcore_session=garbage' } }), 401, 'unauthenticated');
    assertProblem(await api(server, 'GET', '/api/v1/me', { headers: { authorization: 'Bearer garbage' } }), 401, 'unauthenticated');
  });

  it('logout: 204, cookie cleared, session revoked', async () => {
    const s = await login(server, patient.email);
    const noCsrf = await api(server, 'POST', '/api/v1/auth/logout', { session: s, csrf: false });
    assertProblem(noCsrf, 403, 'csrf');
    const r = await api(server, 'POST', '/api/v1/auth/logout', { session: s });
    assert.equal(r.status, 204);
    const c = cookieFrom(r);
    assert.ok(c, 'Set-Cookie clears medcore_session');
    assert.ok(c.value === '' || /Max-Age=0/i.test(c.raw) || /Expires=Thu, 01 Jan 1970/i.test(c.raw), c.raw);
    assertProblem(await api(server, 'GET', '/api/v1/me', { session: s }), 401, 'unauthenticated');
    // another session of the same user is unaffected
    const other = await login(server, patient.email);
    assert.equal((await api(server, 'GET', '/api/v1/me', { session: other })).status, 200);
  });

  it('logout without a session → 401', async () => {
    assertProblem(await api(server, 'POST', '/api/v1/auth/logout'), 401, 'unauthenticated');
  });

  it('wrong password and unknown email give the same answer', async () => {
    const a = await api(server, 'POST', '/api/v1/auth/login', { body: { email: patient.email, password: 'wrong password!' } });
    const b = await api(server, 'POST', '/api/v1/auth/login', { body: { email: uniqueEmail('nobody'), password: 'wrong password!' } });
    assertProblem(a, 401, 'invalid-credentials');
    assertProblem(b, 401, 'invalid-credentials');
    const strip = (j) => { const { request_id, instance, ...rest } = j; return rest; };
    assert.deepEqual(strip(a.json), strip(b.json));
    assert.equal(a.setCookies.length, 0);
    assert.equal(b.setCookies.length, 0);
  });

  it('session rotation: login issues a fresh session, never the presented cookie', async () => {
    const first = await login(server, patient.email);
    const second = await api(server, 'POST', '/api/v1/auth/login', {
      body: { email: patient.email, password: PASSWORD }, session: first,
    });
    assert.equal(second.status, 200);
    const c2 = cookieFrom(second);
    assert.ok(c2);
    assert.notEqual(c2.pair, first.cookie, 'a new session cookie');
    assert.notEqual(second.json.csrf_token, first.csrf);
    // session fixation: an attacker-chosen cookie value is never adopted
    const fixed = 'medcore_session=attackerchosenvalue0123456789abcdef';
    const third = await api(server, 'POST', '/api/v1/auth/login', {
      body: { email: patient.email, password: PASSWORD }, headers: { cookie: fixed },
    });
    assert.equal(third.status, 200);
    assert.notEqual(cookieFrom(third).pair, fixed);
    assertProblem(await api(server, 'GET', '/api/v1/me', { headers: { cookie: fixed } }), 401, 'unauthenticated');
  });
});

describe('PATCH /me', () => {
  let patient, doctor, admin;
  before(async () => {
    patient = await signupPatient(server);
    doctor = await signupDoctor(server);
    admin = await createAdmin(server);
  });

  it('patient updates name, phone, date_of_birth, sex', async () => {
    const r = await api(server, 'PATCH', '/api/v1/me', {
      session: patient, body: { name: 'Ana M. Lima', phone: '(351) 222-333', date_of_birth: '1985-12-31', sex: 'intersex', time_zone: 'America/Sao_Paulo' },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.name, 'Ana M. Lima');
    assert.equal(r.json.user.phone, '(351) 222-333');
    assert.deepEqual(r.json.user.patient, { date_of_birth: '1985-12-31', sex: 'intersex', time_zone: 'America/Sao_Paulo' });
    const me = await api(server, 'GET', '/api/v1/me', { session: patient });
    assert.deepEqual(me.json.user, r.json.user);
  });

  it('partial update keeps other fields', async () => {
    const r = await api(server, 'PATCH', '/api/v1/me', { session: patient, body: { phone: '+44 20 7946 0000' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.name, 'Ana M. Lima');
    assert.equal(r.json.user.phone, '+44 20 7946 0000');
    assert.equal(r.json.user.patient.sex, 'intersex');
  });

  it('doctor updates bio, years_experience, consultation_fee_cents, name', async () => {
    const r = await api(server, 'PATCH', '/api/v1/me', {
      session: doctor, body: { bio: 'Now also <b>paediatric</b> cardiology.', years_experience: 13, consultation_fee_cents: 5000, name: 'Dr R. Costa' },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.doctor.bio, 'Now also <b>paediatric</b> cardiology.');
    assert.equal(r.json.user.doctor.years_experience, 13);
    assert.equal(r.json.user.doctor.consultation_fee_cents, 5000);
    assert.equal(r.json.user.name, 'Dr R. Costa');
    assert.equal(r.json.user.doctor.status, 'pending');
  });

  const refused = [
    ['patient', 'bio', 'hello'],
    ['patient', 'years_experience', 3],
    ['patient', 'consultation_fee_cents', 100],
    ['doctor', 'date_of_birth', '1980-01-01'],
    ['doctor', 'sex', 'male'],
    ['doctor', 'status', 'approved'],
    ['doctor', 'specialty', 'Dermatology'],
    ['doctor', 'licence_number', 'XX-1'],
    ['admin', 'bio', 'hello'],
    ['admin', 'sex', 'male'],
    ['patient', 'role', 'admin'],
    ['patient', 'email', 'new@example.org'],
    ['patient', 'password', 'another long password'],
    ['patient', 'id', 1],
  ];
  for (const [who, field, value] of refused) {
    it(`${who} may not set ${field} → 422`, async () => {
      const s = { patient, doctor, admin }[who];
      const before = (await api(server, 'GET', '/api/v1/me', { session: s })).json.user;
      const r = await api(server, 'PATCH', '/api/v1/me', { session: s, body: { name: 'Changed Name', [field]: value } });
      assertProblem(r, 422, 'validation');
      assert.ok(errorFields(r).includes(field), `errors name ${field}: ${JSON.stringify(r.json.errors)}`);
      const after = (await api(server, 'GET', '/api/v1/me', { session: s })).json.user;
      assert.deepEqual(after, before, 'nothing changed');
    });
  }

  it('invalid values → 422 naming each field', async () => {
    const r = await api(server, 'PATCH', '/api/v1/me', {
      session: patient, body: { name: '', phone: 'abc', date_of_birth: '2999-01-01', sex: 'other', time_zone: 'Mars/Olympus' },
    });
    assertProblem(r, 422, 'validation');
    for (const f of ['name', 'phone', 'date_of_birth', 'sex', 'time_zone']) assert.ok(errorFields(r).includes(f), `${f} in ${JSON.stringify(r.json.errors)}`);
  });
});

describe('CSRF and Origin', () => {
  let s;
  before(async () => { s = await signupPatient(server); });

  it('cookie-authenticated unsafe request without X-CSRF-Token → 403 csrf', async () => {
    const r = await api(server, 'PATCH', '/api/v1/me', { session: s, csrf: false, body: { name: 'No Token' } });
    assertProblem(r, 403, 'csrf');
  });
  it('with a wrong X-CSRF-Token → 403 csrf', async () => {
    const r = await api(server, 'PATCH', '/api/v1/me', { session: s, headers: { 'x-csrf-token': (s.csrf[0] === 'x' ? 'y' : 'x') + s.csrf.slice(1) }, body: { name: 'Bad Token' } });
    assertProblem(r, 403, 'csrf');
    const r2 = await api(server, 'PATCH', '/api/v1/me', { session: s, headers: { 'x-csrf-token': '' }, body: { name: 'Bad Token' } });
    assertProblem(r2, 403, 'csrf');
  });
  it("another user's CSRF token does not work", async () => {
    const other = await login(server, (await signupPatient(server)).email);
    const r = await api(server, 'PATCH', '/api/v1/me', { session: s, headers: { 'x-csrf-token': other.csrf }, body: { name: 'Cross Token' } });
    assertProblem(r, 403, 'csrf');
    const me = await api(server, 'GET', '/api/v1/me', { session: s });
    assert.equal(me.json.user.name, 'Ana Lima');
  });
  it('with the right token → 200; same-origin Origin is fine', async () => {
    const r = await api(server, 'PATCH', '/api/v1/me', { session: s, body: { name: 'With Token' } });
    assert.equal(r.status, 200, r.text);
    const r2 = await api(server, 'PATCH', '/api/v1/me', { session: s, headers: { origin: server.url }, body: { name: 'Same Origin' } });
    assert.equal(r2.status, 200, r2.text);
  });
  it('a foreign Origin → 403 csrf even with the right token', async () => {
    const r = await api(server, 'PATCH', '/api/v1/me', { session: s, headers: { origin: 'https://evil.example' }, body: { name: 'Evil' } });
    assertProblem(r, 403, 'csrf');
    const login2 = await api(server, 'POST', '/api/v1/auth/login', { headers: { origin: 'https://evil.example' }, body: { email: s.email, password: PASSWORD } });
    assertProblem(login2, 403, 'csrf');
    assert.equal(cookieFrom(login2), null);
    const me = await api(server, 'GET', '/api/v1/me', { session: s });
    assert.equal(me.json.user.name, 'Same Origin');
  });
  it('GET is not subject to CSRF', async () => {
    const r = await api(server, 'GET', '/api/v1/me', { session: s, headers: { origin: 'https://evil.example' } });
    assert.equal(r.status, 200);
  });
});

describe('bearer tokens', () => {
  let p;
  before(async () => { p = await signupPatient(server); });

  it('"bearer": true returns a token and sets no cookie; Authorization works without CSRF', async () => {
    const b = await login(server, p.email, PASSWORD, { bearer: true });
    assert.equal(typeof b.res.json.token, 'string');
    assert.ok(b.res.json.token.length >= 20);
    assert.equal(cookieFrom(b.res), null, `no session cookie: ${b.res.setCookies}`);
    const me = await api(server, 'GET', '/api/v1/me', { headers: { authorization: `Bearer ${b.token}` } });
    assert.equal(me.status, 200);
    assert.equal(me.json.user.id, p.user.id);
    const patch = await api(server, 'PATCH', '/api/v1/me', { headers: { authorization: `Bearer ${b.token}` }, body: { name: 'Bearer Person' } });
    assert.equal(patch.status, 200, patch.text);
    assert.equal(patch.json.user.name, 'Bearer Person');
    const out = await api(server, 'POST', '/api/v1/auth/logout', { headers: { authorization: `Bearer ${b.token}` } });
    assert.equal(out.status, 204);
    assertProblem(await api(server, 'GET', '/api/v1/me', { headers: { authorization: `Bearer ${b.token}` } }), 401, 'unauthenticated');
  });

  it('the bearer token is not accepted as a cookie-less CSRF bypass when sent as a cookie', async () => {
    const b = await login(server, p.email, PASSWORD, { bearer: true });
    const r = await api(server, 'PATCH', '/api/v1/me', { headers: { cookie: `medcore_session=${b.token}` }, body: { name: 'Via Cookie' } });
    assert.ok([401, 403].includes(r.status), `status ${r.status}`);
  });
});

describe('throttling', () => {
  it('5 failed logins for one account → 429 with Retry-After, even with the right password', async () => {
    const victim = await signupPatient(server);
    const bystander = await signupPatient(server);
    for (let i = 0; i < 5; i++) {
      const r = await api(server, 'POST', '/api/v1/auth/login', { body: { email: victim.email, password: `wrong password ${i}` } });
      assertProblem(r, 401, 'invalid-credentials', `failure ${i + 1}`);
    }
    const r = await api(server, 'POST', '/api/v1/auth/login', { body: { email: victim.email, password: PASSWORD } });
    assertProblem(r, 429, 'rate-limited');
    const ra = Number(r.headers.get('retry-after'));
    assert.ok(Number.isInteger(ra) && ra > 0 && ra <= 15 * 60, `Retry-After ${r.headers.get('retry-after')}`);
    assert.equal(cookieFrom(r), null);
    // other accounts are unaffected; existing sessions still work
    await login(server, bystander.email);
    assert.equal((await api(server, 'GET', '/api/v1/me', { session: victim })).status, 200);
  });

  it('per-IP auth rate limit: the 6th quick auth request → 429 + Retry-After (and Secure cookies when configured)', async () => {
    const s = await startServer({ env: { MEDCORE_AUTH_RATE_PER_MINUTE: '5', MEDCORE_COOKIE_SECURE: '1' } });
    try {
      const statuses = [];
      const first = await api(s, 'POST', '/api/v1/auth/signup', { body: patientBody() });
      statuses.push(first.status);
      assert.equal(first.status, 201, first.text);
      assert.match(cookieFrom(first).raw, /;\s*Secure/i, 'Secure with MEDCORE_COOKIE_SECURE=1');
      assert.match(cookieFrom(first).raw, /;\s*HttpOnly/i);
      let last;
      for (let i = 0; i < 5; i++) {
        last = await api(s, 'POST', '/api/v1/auth/login', { body: { email: uniqueEmail('rl'), password: 'wrong password!' } });
        statuses.push(last.status);
      }
      assert.deepEqual(statuses.slice(0, 5), [201, 401, 401, 401, 401]);
      assertProblem(last, 429, 'rate-limited');
      const ra = Number(last.headers.get('retry-after'));
      assert.ok(Number.isInteger(ra) && ra > 0 && ra <= 60, `Retry-After ${last.headers.get('retry-after')}`);
      // sign-up is an auth route too, and non-auth routes are not limited
      assertProblem(await api(s, 'POST', '/api/v1/auth/signup', { body: patientBody() }), 429, 'rate-limited');
      assert.equal(count(s, 'users'), 1);
      assert.ok(await healthy(s));
      assert.equal((await api(s, 'GET', '/api/v1/doctors')).status, 200);
    } finally {
      const r = await s.stop();
      assert.equal(r.code, 0);
    }
  });
});

describe('password reset', () => {
  it('forgot: 202 for known and unknown email; mail only for the known one', async () => {
    const p = await signupPatient(server);
    const unknown = uniqueEmail('ghost');
    const outboxBefore = count(server, 'outbox');
    const a = await api(server, 'POST', '/api/v1/auth/password/forgot', { body: { email: p.email.toUpperCase() } });
    const b = await api(server, 'POST', '/api/v1/auth/password/forgot', { body: { email: unknown } });
    assert.equal(a.status, 202);
    assert.equal(b.status, 202);
    const strip = (j) => { if (!j) return j; const { request_id, instance, ...rest } = j; return rest; };
    assert.deepEqual(strip(a.json), strip(b.json), 'identical answers');
    const rows = readOutbox(server, { template: 'password_reset', to: p.email });
    assert.equal(rows.length, 1);
    assert.equal(rows[0].to_user_id, p.user.id);
    await resetTokenFrom(rows[0]);
    assert.equal(readOutbox(server, { to: unknown }).length, 0);
    assert.equal(count(server, 'outbox'), outboxBefore + 1);
  });

  it('reset: 204, single use, revokes sessions, new password works, old does not', async () => {
    const p = await signupPatient(server);
    const bearer = await login(server, p.email, PASSWORD, { bearer: true });
    const token = await forgotAndGetToken(p.email);
    // an invalid password is refused and does not consume the token
    const bad = await api(server, 'POST', '/api/v1/auth/password/reset', { body: { token, password: 'short' } });
    assertProblem(bad, 422, 'validation');
    assert.ok(errorFields(bad).includes('password'));
    const newPassword = 'a brand new password';
    const r = await api(server, 'POST', '/api/v1/auth/password/reset', { body: { token, password: newPassword } });
    assert.equal(r.status, 204, r.text);
    assertProblem(await api(server, 'GET', '/api/v1/me', { session: p }), 401, 'unauthenticated');
    assertProblem(await api(server, 'GET', '/api/v1/me', { session: { token: bearer.token } }), 401, 'unauthenticated');
    await login(server, p.email, PASSWORD, { expect: 401 });
    await login(server, p.email, newPassword);
    const again = await api(server, 'POST', '/api/v1/auth/password/reset', { body: { token, password: 'yet another password' } });
    assertProblem(again, 400, 'invalid-token');
    await login(server, p.email, newPassword);
  });

  it('garbage and expired tokens → 400 invalid-token', async () => {
    for (const token of ['garbage', 'A'.repeat(64), "' OR 1=1 --"]) {
      assertProblem(await api(server, 'POST', '/api/v1/auth/password/reset', { body: { token, password: 'a brand new password' } }), 400, 'invalid-token');
    }
    const p = await signupPatient(server);
    const token = await forgotAndGetToken(p.email);
    sqlExec(server, `UPDATE password_tokens SET expires_at = 1000, created_at = 500 WHERE user_id = ${Number(p.user.id)}`);
    const r = await api(server, 'POST', '/api/v1/auth/password/reset', { body: { token, password: 'a brand new password' } });
    assertProblem(r, 400, 'invalid-token');
    await login(server, p.email, PASSWORD);
  });

  it("a reset changes only that account's password", async () => {
    const a = await signupPatient(server);
    const b = await signupPatient(server);
    const ta = await forgotAndGetToken(a.email);
    const r = await api(server, 'POST', '/api/v1/auth/password/reset', { body: { token: ta, password: 'password for a only' } });
    assert.equal(r.status, 204);
    await login(server, b.email, PASSWORD);
    await login(server, b.email, 'password for a only', { expect: 401 });
  });
});

describe('password change', () => {
  it('wrong current password → 422; right one → new session, all others revoked', async () => {
    const p = await signupPatient(server);
    const s1 = await login(server, p.email);
    const s2 = await login(server, p.email, PASSWORD, { bearer: true });
    const wrong = await api(server, 'POST', '/api/v1/auth/password/change', {
      session: s1, body: { current_password: 'not my password', new_password: 'the next password' },
    });
    assertProblem(wrong, 422, 'validation');
    assert.ok(errorFields(wrong).includes('current_password'));
    assert.equal((await api(server, 'GET', '/api/v1/me', { session: s2 })).status, 200, 'wrong attempt revoked nothing');
    const noCsrf = await api(server, 'POST', '/api/v1/auth/password/change', {
      session: s1, csrf: false, body: { current_password: PASSWORD, new_password: 'the next password' },
    });
    assertProblem(noCsrf, 403, 'csrf');
    const short = await api(server, 'POST', '/api/v1/auth/password/change', {
      session: s1, body: { current_password: PASSWORD, new_password: 'short' },
    });
    assertProblem(short, 422, 'validation');
    assert.ok(errorFields(short).includes('new_password'));

    const r = await api(server, 'POST', '/api/v1/auth/password/change', {
      session: s1, body: { current_password: PASSWORD, new_password: 'the next password' },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.id, p.user.id);
    assert.equal(typeof r.json.csrf_token, 'string');
    assert.match(r.json.expires_at, ISO_UTC);
    const fresh = sessionFrom(r);
    assert.ok(fresh.cookie, 'a new session cookie');
    assert.notEqual(fresh.cookie, s1.cookie);
    assert.equal((await api(server, 'GET', '/api/v1/me', { session: fresh })).status, 200);
    assertProblem(await api(server, 'GET', '/api/v1/me', { session: s1 }), 401, 'unauthenticated');
    assertProblem(await api(server, 'GET', '/api/v1/me', { session: { token: s2.token } }), 401, 'unauthenticated');
    assertProblem(await api(server, 'GET', '/api/v1/me', { session: p }), 401, 'unauthenticated');
    await login(server, p.email, PASSWORD, { expect: 401 });
    await login(server, p.email, 'the next password');
  });

  it('anonymous → 401', async () => {
    assertProblem(await api(server, 'POST', '/api/v1/auth/password/change', { body: { current_password: PASSWORD, new_password: 'the next password' } }), 401, 'unauthenticated');
  });
});

describe('session lifetime', () => {
  // MEDCORE_SESSION_TTL is at least 60 s, so time passing is simulated in the database.
  it('an idle-expired or absolutely-expired session is refused', async () => {
    const p = await signupPatient(server);
    const idle = await login(server, p.email);
    const old = await login(server, p.email);
    const fresh = await login(server, p.email);
    const rowsOf = () => sql(server, `SELECT id FROM sessions WHERE user_id = ${Number(p.user.id)} ORDER BY id`);
    const ids = rowsOf().map((r) => Number(r.id));
    assert.equal(ids.length, 4, 'sign-up + 3 logins');
    sqlExec(server, `UPDATE sessions SET expires_at = 1000 WHERE id = ${ids[1]}`);
    sqlExec(server, `UPDATE sessions SET absolute_expires_at = 1000 WHERE id = ${ids[2]}`);
    assertProblem(await api(server, 'GET', '/api/v1/me', { session: idle }), 401, 'unauthenticated');
    assertProblem(await api(server, 'GET', '/api/v1/me', { session: old }), 401, 'unauthenticated');
    assert.equal((await api(server, 'GET', '/api/v1/me', { session: fresh })).status, 200);
  });
});

describe('sessions are stored hashed', () => {
  it('the raw cookie value is not in the sessions table', async () => {
    const p = await signupPatient(server);
    const raw = p.cookie.split('=').slice(1).join('=');
    const rows = sql(server, `SELECT token_hash FROM sessions WHERE user_id = ${Number(p.user.id)}`);
    assert.ok(rows.length >= 1);
    for (const r of rows) assert.ok(!r.token_hash.includes(raw) && !raw.includes(r.token_hash), 'hashed');
  });
});

describe('reset-token hygiene', () => {
  it('a reset link mailed before a password change no longer works after it', async () => {
    const p = await signupPatient(server);
    const token = await forgotAndGetToken(p.email);
    const changed = await api(server, 'POST', '/api/v1/auth/password/change', {
      session: p, body: { current_password: PASSWORD, new_password: 'changed after the mail' },
    });
    assert.equal(changed.status, 200, changed.text);
    const r = await api(server, 'POST', '/api/v1/auth/password/reset', { body: { token, password: 'the attacker wins this' } });
    assertProblem(r, 400, 'invalid-token', 'the old link must be void');
    await login(server, p.email, 'changed after the mail');
    await login(server, p.email, 'the attacker wins this', { expect: 401 });
  });

  it('a reset voids every other outstanding link of the account', async () => {
    const p = await signupPatient(server);
    const first = await forgotAndGetToken(p.email);
    const second = await forgotAndGetToken(p.email);
    assert.equal((await api(server, 'POST', '/api/v1/auth/password/reset', { body: { token: second, password: 'reset by the second' } })).status, 204);
    assertProblem(await api(server, 'POST', '/api/v1/auth/password/reset', { body: { token: first, password: 'reset by the first' } }), 400, 'invalid-token');
  });

  it('forgot is throttled per account: 10 quick requests (concurrent) mail it 3 times; answers stay 202 and identical', async () => {
    const p = await signupPatient(server);
    const other = await signupPatient(server);
    const unknown = await api(server, 'POST', '/api/v1/auth/password/forgot', { body: { email: uniqueEmail('ghost') } });
    const answers = await Promise.all(Array.from({ length: 10 }, () =>
      api(server, 'POST', '/api/v1/auth/password/forgot', { body: { email: p.email } })));
    const strip = (j) => { const { request_id, instance, ...rest } = j || {}; return rest; };
    for (const a of answers) {
      assert.equal(a.status, 202);
      assert.deepEqual(strip(a.json), strip(unknown.json), 'the same answer as for an unknown email');
    }
    assert.equal(readOutbox(server, { template: 'password_reset', to: p.email }).length, 3, 'MEDCORE_RESET_MAILS_PER_HOUR (3)');
    assert.equal(count(server, 'password_tokens', `user_id = ${Number(p.user.id)}`), 3);
    // Another account is not affected.
    await forgotAndGetToken(other.email);
    // An hour later (simulated in the database) the account can have a new mail.
    sqlExec(server, `UPDATE password_tokens SET created_at = created_at - 3600001 WHERE user_id = ${Number(p.user.id)}`);
    const token = await forgotAndGetToken(p.email);
    assert.equal((await api(server, 'POST', '/api/v1/auth/password/reset', { body: { token, password: 'a brand new password' } })).status, 204);
  });
});

describe('common passwords', () => {
  // Entries of the embedded list (src/features/accounts/common_passwords.txt), in other cases too.
  it('sign-up refuses a common password: 422 on password, nothing written', async () => {
    for (const password of ['qwertyuiop', 'Password123', '1234567890']) {
      const before = count(server, 'users');
      const r = await api(server, 'POST', '/api/v1/auth/signup', { body: patientBody({ password }) });
      assertProblem(r, 422, 'validation', password);
      assert.deepEqual(errorFields(r), ['password']);
      assert.match(r.json.errors[0].message, /most common passwords/);
      assert.equal(count(server, 'users'), before);
    }
  });

  it('password change and reset refuse one too, and the old password and the link keep working', async () => {
    const p = await signupPatient(server);
    const change = await api(server, 'POST', '/api/v1/auth/password/change', {
      session: p, body: { current_password: PASSWORD, new_password: 'password123' },
    });
    assertProblem(change, 422, 'validation');
    assert.deepEqual(errorFields(change), ['new_password']);
    await login(server, p.email, PASSWORD);
    const token = await forgotAndGetToken(p.email);
    const reset = await api(server, 'POST', '/api/v1/auth/password/reset', { body: { token, password: 'QWERTYUIOP' } });
    assertProblem(reset, 422, 'validation');
    assert.deepEqual(errorFields(reset), ['password']);
    assert.equal((await api(server, 'POST', '/api/v1/auth/password/reset', { body: { token, password: 'a brand new password' } })).status, 204);
  });

  it('an admin creating an admin is held to the same list', async () => {
    const admin = await createAdmin(server);
    const r = await api(server, 'POST', '/api/v1/admin/admins', {
      session: admin, body: { name: 'Second Admin', email: uniqueEmail('admin2'), password: '1q2w3e4r5t' },
    });
    assertProblem(r, 422, 'validation');
    assert.deepEqual(errorFields(r), ['password']);
  });
});

describe('session cookie lifetime', () => {
  it('the session cookie is a browser-session cookie: no Max-Age or Expires (the server enforces 12 h idle, 30 d absolute)', async () => {
    const signup = await api(server, 'POST', '/api/v1/auth/signup', { body: patientBody() });
    const s = sessionFrom(signup);
    const logged = await login(server, s.user.email);
    const changed = await api(server, 'POST', '/api/v1/auth/password/change', {
      session: logged, body: { current_password: PASSWORD, new_password: 'the next password' },
    });
    for (const [what, res] of [['sign-up', signup], ['login', logged.res], ['password change', changed]]) {
      const c = cookieFrom(res);
      assert.ok(c, `${what} sets the cookie`);
      assert.doesNotMatch(c.raw, /Max-Age|Expires/i, `${what}: ${c.raw}`);
      assert.match(c.raw, /;\s*HttpOnly/i);
    }
    // Logout still deletes it at once.
    const out = await api(server, 'POST', '/api/v1/auth/logout', { session: sessionFrom(changed) });
    assert.equal(out.status, 204);
    assert.match(cookieFrom(out).raw, /Max-Age=0/);
  });
});

describe('no lockout by strangers', () => {
  it('failures from one address slow that address down; the owner elsewhere still signs in', async () => {
    const s = await startServer({ env: { MEDCORE_TRUST_PROXY: '1' } });
    try {
      const doctor = await api(s, 'POST', '/api/v1/auth/signup', { body: doctorBody() });
      assert.equal(doctor.status, 201, doctor.text);
      const email = doctor.json.user.email;
      const from = (ip) => ({ 'x-forwarded-for': ip });
      for (let i = 0; i < 5; i++) {
        const r = await api(s, 'POST', '/api/v1/auth/login', { headers: from('203.0.113.66'), body: { email, password: `guess number ${i}` } });
        assertProblem(r, 401, 'invalid-credentials');
      }
      // The guesser's address is blocked for this account, even with the right password...
      assertProblem(await api(s, 'POST', '/api/v1/auth/login', { headers: from('203.0.113.66'), body: { email, password: PASSWORD } }), 429, 'rate-limited');
      // ...and the doctor, at the clinic, is not.
      const owner = await api(s, 'POST', '/api/v1/auth/login', { headers: from('198.51.100.20'), body: { email, password: PASSWORD } });
      assert.equal(owner.status, 200, owner.text);
    } finally {
      const r = await s.stop();
      assert.equal(r.code, 0);
    }
  });
});
