// Text a person types is normalised and checked the same way by every route (JsonInput):
// NFC, no control / invisible / text-direction characters, no look-alike email addresses, and a
// JSON key sent twice is a malformed body. Each refusal writes nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, api, assertProblem, errorFields, patientBody, doctorBody, signupPatient, createAdmin, sql, count,
  uniqueEmail,
} from './harness.mjs';

let server, admin;
before(async () => {
  server = await startServer();
  admin = await createAdmin(server);
});
after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `clean shutdown: ${JSON.stringify(r)}`);
  }
});

const rowCounts = () => ({ users: count(server, 'users'), outbox: count(server, 'outbox'), audit: count(server, 'audit_log') });

// The local part of a unique address, so look-alikes can be built around it.
const uniqueLocal = (prefix) => uniqueEmail(prefix).split('@')[0];

describe('names', () => {
  for (const [what, name] of [
    ['RIGHT-TO-LEFT OVERRIDE (U+202E)', 'Dr Ana \u202EaminoL'],
    ['only a BYTE ORDER MARK (U+FEFF)', '\uFEFF'],
    ['NEXT LINE (U+0085)', 'Ana\u0085Lima'],
    ['ZERO WIDTH SPACE (U+200B)', 'Ana\u200BLima'],
    ['LINE SEPARATOR (U+2028)', 'Ana\u2028Lima'],
    ['a HANGUL FILLER that shows nothing (U+3164)', '\u3164'],
  ]) {
    it(`sign-up refuses a name with ${what}: 422 on name, nothing written`, async () => {
      const before = rowCounts();
      const r = await api(server, 'POST', '/api/v1/auth/signup', { body: patientBody({ name }) });
      assertProblem(r, 422, 'validation');
      assert.deepEqual(errorFields(r), ['name']);
      assert.deepEqual(rowCounts(), before);
    });
  }

  it('PATCH /me refuses the same characters and leaves the name as it was', async () => {
    const p = await signupPatient(server, { name: 'Ana Lima' });
    for (const name of ['Ana \u202ELima', '\uFEFF', 'Ana\u0085Lima']) {
      const r = await api(server, 'PATCH', '/api/v1/me', { session: p, body: { name } });
      assertProblem(r, 422, 'validation');
      assert.deepEqual(errorFields(r), ['name']);
    }
    const me = await api(server, 'GET', '/api/v1/me', { session: p });
    assert.equal(me.json.user.name, 'Ana Lima');
  });

  it('names are stored in NFC: a decomposed accent is the precomposed character', async () => {
    const r = await api(server, 'POST', '/api/v1/auth/signup', { body: patientBody({ name: 'Jose\u0301 Ramos' }) });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.user.name, 'Jos\u00E9 Ramos');
    const [row] = sql(server, `SELECT name FROM users WHERE id = ${Number(r.json.user.id)}`);
    assert.equal(row.name, 'Jos\u00E9 Ramos');
  });

  it('names in other scripts and with ordinary punctuation are accepted', async () => {
    for (const name of ['Иван Петров', '山田 太郎', 'محمد علی', "Seán O'Brien-Smith"]) {
      const r = await api(server, 'POST', '/api/v1/auth/signup', { body: patientBody({ name }) });
      assert.equal(r.status, 201, `${name}: ${r.text}`);
      assert.equal(r.json.user.name, name);
    }
  });

  it('multi-line text keeps line breaks and emoji but not direction overrides (doctor bio)', async () => {
    const ok = await api(server, 'POST', '/api/v1/auth/signup', {
      body: doctorBody({ bio: 'Cardiology.\nFamily medicine too \u{1F468}\u200D\u{1F469}\u200D\u{1F467}' }),
    });
    assert.equal(ok.status, 201, ok.text);
    const bad = await api(server, 'POST', '/api/v1/auth/signup', { body: doctorBody({ bio: 'Fine \u202Etxet' }) });
    assertProblem(bad, 422, 'validation');
    assert.deepEqual(errorFields(bad), ['bio']);
  });
});

describe('emails', () => {
  it('zero-width and other invisible characters in an address are refused; nothing written', async () => {
    const local = uniqueLocal('dr.ana');
    for (const email of [`${local}\u200B@clinic.example`, `${local}@cli\u200Cnic.example`, `\uFEFF${local}@clinic.example`,
      `${local}\u2060@clinic.example`]) {
      const before = rowCounts();
      const r = await api(server, 'POST', '/api/v1/auth/signup', { body: doctorBody({ email }) });
      assertProblem(r, 422, 'validation', JSON.stringify(email));
      assert.deepEqual(errorFields(r), ['email']);
      assert.deepEqual(rowCounts(), before);
    }
  });

  it('a look-alike of a real doctor (Cyrillic letters among Latin ones) cannot sign up', async () => {
    const local = uniqueLocal('dr.ana');
    const real = await api(server, 'POST', '/api/v1/auth/signup', { body: doctorBody({ email: `${local}@clinic.example` }) });
    assert.equal(real.status, 201, real.text);
    // U+0430 CYRILLIC SMALL LETTER A in place of the Latin "a"s; then in the domain (U+0456 for "i").
    for (const email of [`${local.replace(/a/g, '\u0430')}@clinic.example`, `${local}@cl\u0456nic.example`]) {
      const before = rowCounts();
      const r = await api(server, 'POST', '/api/v1/auth/signup', { body: doctorBody({ email }) });
      assertProblem(r, 422, 'validation', email);
      assert.deepEqual(errorFields(r), ['email']);
      assert.match(r.json.errors[0].message, /scripts/);
      assert.deepEqual(rowCounts(), before);
    }
    // The admin's review list holds the real doctor and no look-alike.
    const list = await api(server, 'GET', '/api/v1/admin/doctors?status=pending&limit=100', { session: admin });
    assert.equal(list.status, 200, list.text);
    assert.ok(list.json.items.some((d) => d.email === `${local}@clinic.example`));
    assert.deepEqual(list.json.items.filter((d) => /[^\x00-\x7F]/.test(d.email)).map((d) => d.email), []);
  });

  it('an all-Cyrillic address that reads as Latin ("аре") is refused; real non-Latin addresses are not', async () => {
    const before = rowCounts();
    const whole = await api(server, 'POST', '/api/v1/auth/signup', { body: patientBody({ email: '\u0430\u0440\u0435@clinic.example' }) });
    assertProblem(whole, 422, 'validation');
    assert.match(whole.json.errors[0].message, /imitate Latin/);
    assert.deepEqual(rowCounts(), before);
    const ivan = `\u0438\u0432\u0430\u043D${Date.now()}@\u043F\u0440\u0438\u043C\u0435\u0440.\u0440\u0444`;
    const ok = await api(server, 'POST', '/api/v1/auth/signup', { body: patientBody({ email: ivan }) });
    assert.equal(ok.status, 201, ok.text);
  });
});

describe('duplicate JSON keys', () => {
  it('a key sent twice is 400 malformed-json on every JSON route, and nothing is written', async () => {
    const before = rowCounts();
    const body = JSON.stringify(patientBody()).replace('"role":"patient"', '"role":"patient","role":"doctor"');
    assert.match(body, /"role":"patient","role":"doctor"/);
    const r = await api(server, 'POST', '/api/v1/auth/signup', { raw: body });
    const problem = assertProblem(r, 400, 'malformed-json');
    assert.match(problem.detail, /"role" appears more than once/);
    assert.deepEqual(rowCounts(), before);

    const p = await signupPatient(server, { name: 'Ana Lima' });
    const patch = await api(server, 'PATCH', '/api/v1/me', { session: p, raw: '{"name":"Ana Lima","name":"Someone Else"}' });
    assertProblem(patch, 400, 'malformed-json');
    assert.equal((await api(server, 'GET', '/api/v1/me', { session: p })).json.user.name, 'Ana Lima');

    const login = await api(server, 'POST', '/api/v1/auth/login', { raw: `{"email":"${p.email}","password":"x","password":"y"}` });
    assertProblem(login, 400, 'malformed-json');
    // Nested objects count too (the prediction routes take their own body shape).
    const nested = await api(server, 'POST', '/api/v1/predictions/heart', { session: p, raw: '{"age":50,"age":51}' });
    assertProblem(nested, 400, 'malformed-json');
    assert.equal(count(server, 'predictions'), 0);
  });
});
