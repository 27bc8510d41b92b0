// Authorization matrix: every route in docs/API.md × every kind of caller.
// A new route is one line in ROUTES; the completeness test fails until it is there.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  REPO_ROOT, startServer, api, assertProblem, signupPatient, signupDoctor, login, createAdmin, approveDoctor,
  patientBody, uniqueEmail, PASSWORD, readAudit,
} from './harness.mjs';

const ROLES = ['anon', 'patient', 'other', 'pending', 'approved', 'admin'];
const anyone = (s) => Object.fromEntries(ROLES.map((r) => [r, s]));
const signedIn = (s) => ({ ...anyone(s), anon: 401 });
const adminOnly = (s) => ({ anon: 401, patient: 403, other: 403, pending: 403, approved: 403, admin: s });
const NOT_APPROVED = [403, 'doctor-not-approved'];
const approvedDoctorOnly = (s) => ({ anon: 401, patient: 403, other: 403, pending: NOT_APPROVED, approved: s, admin: 403 });
// The booking is between `patient` and `approved`; everyone else learns nothing (404), admins are refused.
const participantsOnly = (s) => ({ anon: 401, patient: s, other: 404, pending: 404, approved: s, admin: 403 });
const ALL_DAY = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));
const HALF_HOUR = 30 * 60_000;
const slotAt = (days, k = 0) => new Date((Math.ceil((Date.now() + days * 86_400_000) / HALF_HOUR) + k) * HALF_HOUR).toISOString();
const patientOnly = (s) => ({ anon: 401, patient: s, other: s, pending: 403, approved: 403, admin: 403 });
const LESION_JPEG = fs.readFileSync(process.env.MEDCORE_HAM10000_IMAGES
  ? path.join(process.env.MEDCORE_HAM10000_IMAGES, 'ISIC_0024306.jpg')
  : path.join(REPO_ROOT, '..', 'shared', 'datasets', 'skin_lesions_ham10000', 'images_200x150', 'ISIC_0024306.jpg'));
const imageBody = (opts) => (opts.image ? { raw: LESION_JPEG, headers: { 'content-type': 'image/jpeg' } } : {});
const DIABETES = { pregnancies: 1, glucose: 120, blood_pressure: 70, bmi: 27.5, diabetes_pedigree_function: 0.4, age: 40 };

let server;
const S = {}; // role → session
const T = {}; // targets

// [method, pattern (as in API.md), path(T) → concrete path, body(role) → body, expected {role: status|'4xx'}, options]
const ROUTES = [
  ['GET', '/healthz', () => '/healthz', null, anyone(200)],
  ['GET', '/readyz', () => '/readyz', null, anyone(200)],
  ['GET', '/metrics', () => '/metrics', null, anyone(200)],
  ['GET', '/api/v1/openapi.json', () => '/api/v1/openapi.json', null, anyone(200)],
  ['POST', '/api/v1/auth/signup', () => '/api/v1/auth/signup', () => patientBody(), { ...anyone('4xx'), anon: 201 }, { fresh: true }],
  ['POST', '/api/v1/auth/login', () => '/api/v1/auth/login', () => ({ email: T.loginEmail, password: PASSWORD }), anyone(200), { fresh: true }],
  ['POST', '/api/v1/auth/logout', () => '/api/v1/auth/logout', null, signedIn(204), { fresh: true }],
  ['GET', '/api/v1/me', () => '/api/v1/me', null, signedIn(200)],
  ['PATCH', '/api/v1/me', () => '/api/v1/me', () => ({ phone: '+1 555 0100' }), signedIn(200)],
  ['POST', '/api/v1/auth/password/forgot', () => '/api/v1/auth/password/forgot', () => ({ email: uniqueEmail('nobody') }), anyone(202)],
  ['POST', '/api/v1/auth/password/reset', () => '/api/v1/auth/password/reset', () => ({ token: 'not-a-real-token-0000000000', password: 'a long new password' }), anyone(400)],
  ['POST', '/api/v1/auth/password/change', () => '/api/v1/auth/password/change', () => ({ current_password: 'not the password', new_password: 'a long new password' }), signedIn(422)],
  ['GET', '/api/v1/doctors', () => '/api/v1/doctors', null, anyone(200)],
  ['GET', '/api/v1/doctors/{id}', () => `/api/v1/doctors/${T.approvedId}`, null, anyone(200)],
  ['GET', '/api/v1/admin/doctors', () => '/api/v1/admin/doctors?status=pending', null, adminOnly(200)],
  ['POST', '/api/v1/admin/doctors/{id}/approve', () => `/api/v1/admin/doctors/${T.toApprove}/approve`, null, adminOnly(200)],
  ['POST', '/api/v1/admin/doctors/{id}/reject', () => `/api/v1/admin/doctors/${T.toReject}/reject`, () => ({ reason: 'Could not verify.' }), adminOnly(200)],
  ['POST', '/api/v1/admin/doctors/{id}/suspend', () => `/api/v1/admin/doctors/${T.toSuspend}/suspend`, () => ({ reason: 'Under review.' }), adminOnly(200)],
  ['POST', '/api/v1/admin/doctors/{id}/reinstate', () => `/api/v1/admin/doctors/${T.toReinstate}/reinstate`, null, adminOnly(200)],
  ['POST', '/api/v1/admin/admins', () => '/api/v1/admin/admins', () => ({ name: 'New Admin', email: uniqueEmail('admin'), password: 'a long admin password' }), adminOnly(201)],
  ['GET', '/api/v1/admin/audit', () => '/api/v1/admin/audit', null, adminOnly(200)],
  ['GET', '/api/v1/me/notifications', () => '/api/v1/me/notifications', null, signedIn(200)],
  ['PATCH', '/api/v1/me/notifications', () => '/api/v1/me/notifications', () => ({ chat: true }), signedIn(200)],
  ['GET', '/api/v1/admin/outbox', () => '/api/v1/admin/outbox?status=dead', null, adminOnly(200)],
  ['POST', '/api/v1/admin/outbox/{id}/retry', () => '/api/v1/admin/outbox/99999999/retry', null, adminOnly(404)],
  ['GET', '/api/v1/doctor/availability', () => '/api/v1/doctor/availability', null, approvedDoctorOnly(200)],
  ['PUT', '/api/v1/doctor/availability', () => '/api/v1/doctor/availability', () => ({ time_zone: 'UTC', slot_minutes: 30, weekly: ALL_DAY }), approvedDoctorOnly(200)],
  ['POST', '/api/v1/doctor/availability/exceptions', () => '/api/v1/doctor/availability/exceptions', () => ({ date: T.exceptionDate, kind: 'extra', start: '01:00', end: '02:00' }), approvedDoctorOnly(201)],
  ['DELETE', '/api/v1/doctor/availability/exceptions/{id}', () => '/api/v1/doctor/availability/exceptions/99999999', null, approvedDoctorOnly(404)],
  ['GET', '/api/v1/doctors/{id}/slots', () => `/api/v1/doctors/${T.approvedId}/slots`, null, anyone(200)],
  ['POST', '/api/v1/appointments', () => '/api/v1/appointments', (role) => ({ doctor_id: T.approvedId, start: role === 'other' ? T.slotOther : T.slotPatient }),
    { anon: 401, patient: 201, other: 201, pending: 403, approved: 403, admin: 403 }],
  ['GET', '/api/v1/appointments', () => '/api/v1/appointments', null, { anon: 401, patient: 200, other: 200, pending: NOT_APPROVED, approved: 200, admin: 403 }],
  ['GET', '/api/v1/appointments/{id}', () => `/api/v1/appointments/${T.appointment}`, null, participantsOnly(200)],
  ['GET', '/api/v1/appointments/{id}.ics', () => `/api/v1/appointments/${T.appointment}.ics`, null, participantsOnly(200)],
  ['POST', '/api/v1/appointments/{id}/cancel', () => `/api/v1/appointments/${T.toCancel}/cancel`, () => ({ reason: 'Cannot come.' }),
    { anon: 401, patient: 200, other: 404, pending: 404, approved: 409, admin: 403 }],
  ['POST', '/api/v1/appointments/{id}/reschedule', () => `/api/v1/appointments/${T.toMove}/reschedule`, () => ({ start: T.moveTo }),
    { anon: 401, patient: 200, other: 404, pending: 403, approved: 403, admin: 403 }],
  ['POST', '/api/v1/appointments/{id}/complete', () => `/api/v1/appointments/${T.appointment}/complete`, null, { ...approvedDoctorOnly(409), patient: 403, other: 403 }],
  ['POST', '/api/v1/appointments/{id}/no-show', () => `/api/v1/appointments/${T.appointment}/no-show`, null, { ...approvedDoctorOnly(409), patient: 403, other: 403 }],
  ['GET', '/api/v1/prediction-models', () => '/api/v1/prediction-models', null, anyone(200)],
  ['GET', '/api/v1/prediction-models/{name}', () => '/api/v1/prediction-models/heart', null, anyone(200)],
  ['GET', '/api/v1/predictions/{model}/prefill', () => '/api/v1/predictions/stroke/prefill', null, patientOnly(200)],
  ['POST', '/api/v1/predictions/{model}', () => '/api/v1/predictions/diabetes', () => DIABETES, patientOnly(201)],
  ['GET', '/api/v1/predictions', () => '/api/v1/predictions', null, patientOnly(200)],
  // The patient's own id; the approved doctor treats them (appointments booked in before()).
  ['GET', '/api/v1/patients/{id}', () => `/api/v1/patients/${T.patientId}`, null,
    { anon: 401, patient: 200, other: 403, pending: 403, approved: 200, admin: 403 }],
  ['GET', '/api/v1/patients/{id}/predictions', () => `/api/v1/patients/${T.patientId}/predictions`, null,
    { anon: 401, patient: 200, other: 403, pending: 403, approved: 200, admin: 403 }],
  // Skin checks: the analysis is the patient's (made in before()); the approved doctor treats them.
  ['POST', '/api/v1/skin/analyses', () => '/api/v1/skin/analyses', null, patientOnly(201), { image: true }],
  ['GET', '/api/v1/skin/analyses', () => '/api/v1/skin/analyses', null, patientOnly(200)],
  ['GET', '/api/v1/skin/analyses/{id}', () => `/api/v1/skin/analyses/${T.skinAnalysis}`, null,
    { anon: 401, patient: 200, other: 404, pending: 404, approved: 200, admin: 404 }],
  ['GET', '/api/v1/skin/analyses/{id}/thumbnail', () => `/api/v1/skin/analyses/${T.skinAnalysis}/thumbnail`, null,
    { anon: 401, patient: 200, other: 404, pending: 404, approved: 200, admin: 404 }],
  ['GET', '/api/v1/patients/{id}/skin-analyses', () => `/api/v1/patients/${T.patientId}/skin-analyses`, null,
    { anon: 401, patient: 200, other: 403, pending: 403, approved: 200, admin: 403 }],
  ['GET', '/api/v1/skin/model', () => '/api/v1/skin/model', null, anyone(200)],
  ['GET', '/api/v1/skin/model/card', () => '/api/v1/skin/model/card', null, anyone(200)],
  // Chat: the conversation is between `patient` and `approved` (made in before()).
  ['GET', '/api/v1/conversations', () => '/api/v1/conversations', null, { anon: 401, patient: 200, other: 200, pending: NOT_APPROVED, approved: 200, admin: 403 }],
  ['POST', '/api/v1/conversations', () => '/api/v1/conversations', (role) => (role === 'approved' || role === 'pending' ? { patient_id: T.patientId } : { doctor_id: T.approvedId }),
    { anon: 401, patient: 200, other: 201, pending: NOT_APPROVED, approved: 200, admin: 403 }],
  ['GET', '/api/v1/conversations/{id}', () => `/api/v1/conversations/${T.conversation}`, null, { ...participantsOnly(200), pending: NOT_APPROVED }],
  ['GET', '/api/v1/conversations/{id}/messages', () => `/api/v1/conversations/${T.conversation}/messages`, null, { ...participantsOnly(200), pending: NOT_APPROVED }],
  ['POST', '/api/v1/conversations/{id}/messages', () => `/api/v1/conversations/${T.conversation}/messages`, (role) => ({ text: 'Hello', client_message_id: `authz-${role}` }),
    { ...participantsOnly(201), pending: NOT_APPROVED }],
  ['POST', '/api/v1/conversations/{id}/read', () => `/api/v1/conversations/${T.conversation}/read`, () => ({ message_id: T.message }),
    { ...participantsOnly(200), pending: NOT_APPROVED }],
];

const SLUG = { 401: 'unauthenticated', 403: 'forbidden' };

before(async () => {
  server = await startServer();
  S.anon = null;
  S.admin = await createAdmin(server);
  S.patient = await signupPatient(server, { name: 'Patient One' });
  S.other = await signupPatient(server, { name: 'Patient Two', date_of_birth: '1970-01-02', sex: 'male' });
  S.pending = await signupDoctor(server, { name: 'Dr Pending' });
  S.approved = await signupDoctor(server, { name: 'Dr Approved' });
  await approveDoctor(server, S.admin, S.approved.user.id);
  T.approvedId = S.approved.user.id;
  T.patientId = S.patient.user.id;
  T.loginEmail = S.other.email;
  T.toApprove = (await signupDoctor(server, { name: 'Dr To Approve' })).user.id;
  T.toReject = (await signupDoctor(server, { name: 'Dr To Reject' })).user.id;
  T.toSuspend = (await signupDoctor(server, { name: 'Dr To Suspend' })).user.id;
  await approveDoctor(server, S.admin, T.toSuspend);
  const hours = await api(server, 'PUT', '/api/v1/doctor/availability', { session: S.approved, body: { time_zone: 'UTC', slot_minutes: 30, weekly: ALL_DAY } });
  assert.equal(hours.status, 200, hours.text);
  const book = async (start) => {
    const r = await api(server, 'POST', '/api/v1/appointments', { session: S.patient, body: { doctor_id: T.approvedId, start } });
    assert.equal(r.status, 201, r.text);
    return r.json.id;
  };
  T.appointment = await book(slotAt(3));
  T.toCancel = await book(slotAt(3, 2));
  T.toMove = await book(slotAt(3, 4));
  T.moveTo = slotAt(3, 6);
  T.slotPatient = slotAt(4);
  T.slotOther = slotAt(4, 2);
  T.exceptionDate = slotAt(200).slice(0, 10);
  T.toReinstate = (await signupDoctor(server, { name: 'Dr To Reinstate' })).user.id;
  await approveDoctor(server, S.admin, T.toReinstate);
  const s = await api(server, 'POST', `/api/v1/admin/doctors/${T.toReinstate}/suspend`, { session: S.admin, body: { reason: 'Temporarily.' } });
  assert.equal(s.status, 200);
  const chat = await api(server, 'POST', '/api/v1/conversations', { session: S.patient, body: { doctor_id: T.approvedId } });
  assert.equal(chat.status, 201, chat.text);
  T.conversation = chat.json.id;
  const msg = await api(server, 'POST', `/api/v1/conversations/${T.conversation}/messages`, { session: S.patient, body: { text: 'First', client_message_id: 'authz-first' } });
  assert.equal(msg.status, 201, msg.text);
  T.message = msg.json.id;
  const skin = await api(server, 'POST', '/api/v1/skin/analyses', { session: S.patient, ...imageBody({ image: true }) });
  assert.equal(skin.status, 201, skin.text);
  T.skinAnalysis = skin.json.id;
});
after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `clean shutdown: ${JSON.stringify(r)}`);
  }
});

describe('authorization matrix', () => {
  it('covers every route listed in docs/API.md', () => {
    const md = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'API.md'), 'utf8');
    const listed = [...md.matchAll(/^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*(\/\S*)\s*\|/gm)].map((m) => `${m[1]} ${m[2]}`);
    assert.ok(listed.length >= 15, `parsed ${listed.length} routes from API.md`);
    const covered = new Set(ROUTES.map(([m, p]) => `${m} ${p}`));
    const missing = listed.filter((r) => !covered.has(r));
    assert.deepEqual(missing, [], 'routes in API.md without a row in the matrix');
  });

  for (const [method, pattern, pathFn, bodyFn, expected, opts = {}] of ROUTES) {
    it(`${method} ${pattern}`, async () => {
      const failures = [];
      for (const role of ROLES) {
        let session = S[role];
        if (opts.fresh && session) session = await login(server, session.email, session.password);
        const body = bodyFn ? bodyFn(role) : undefined;
        const r = await api(server, method, pathFn(T), { session, body, ...imageBody(opts) });
        // An expectation is a status, '4xx', or [status, slug] when the slug is not the usual one.
        const [want, slug] = Array.isArray(expected[role]) ? expected[role] : [expected[role], SLUG[expected[role]]];
        const ok = want === '4xx' ? r.status >= 400 && r.status < 500 : r.status === want;
        if (!ok) { failures.push(`${role}: expected ${want}, got ${r.status} ${r.text.slice(0, 160)}`); continue; }
        if (r.status >= 400) {
          try { assertProblem(r, r.status, want !== '4xx' ? slug : undefined); } catch (e) { failures.push(`${role}: ${e.message}`); }
        }
      }
      assert.deepEqual(failures, []);
    });
  }

  it('the same matrix holds with bearer tokens (no CSRF) for the signed-in reads', async () => {
    const failures = [];
    for (const role of ROLES.filter((r) => r !== 'anon')) {
      const b = await login(server, S[role].email, S[role].password, { bearer: true });
      for (const [method, pattern, pathFn, , expected] of ROUTES) {
        if (method !== 'GET') continue;
        const r = await api(server, method, pathFn(T), { session: { token: b.token } });
        const want = Array.isArray(expected[role]) ? expected[role][0] : expected[role];
        if (r.status !== want) failures.push(`${role} ${method} ${pattern}: expected ${expected[role]}, got ${r.status}`);
      }
    }
    assert.deepEqual(failures, []);
  });
});

describe("a patient never sees another patient's data", () => {
  it('GET /me answers only for the caller', async () => {
    const a = await api(server, 'GET', '/api/v1/me', { session: S.patient });
    const b = await api(server, 'GET', '/api/v1/me', { session: S.other });
    assert.equal(a.json.user.id, S.patient.user.id);
    assert.equal(b.json.user.id, S.other.user.id);
    assert.equal(b.json.user.name, 'Patient Two');
    assert.ok(!a.text.includes(S.other.email));
    // query parameters or headers cannot switch the subject
    for (const q of [`?id=${S.other.user.id}`, `?user_id=${S.other.user.id}`, `?email=${encodeURIComponent(S.other.email)}`]) {
      const r = await api(server, 'GET', `/api/v1/me${q}`, { session: S.patient });
      assert.ok(r.status === 200 ? r.json.user.id === S.patient.user.id : r.status === 400, `${q}: ${r.status}`);
    }
  });

  it('PATCH /me cannot target another user', async () => {
    const r = await api(server, 'PATCH', '/api/v1/me', { session: S.patient, body: { id: S.other.user.id, name: 'Hijacked' } });
    assert.equal(r.status, 422);
    const r2 = await api(server, 'PATCH', `/api/v1/me?user_id=${S.other.user.id}`, { session: S.patient, body: { name: 'Patient One' } });
    assert.ok([200, 400].includes(r2.status));
    const b = await api(server, 'GET', '/api/v1/me', { session: S.other });
    assert.equal(b.json.user.name, 'Patient Two');
  });

  it('routes that take a user id refuse or 404 another patient', async () => {
    assertProblem(await api(server, 'GET', `/api/v1/doctors/${S.other.user.id}`, { session: S.patient }), 404, 'not-found');
    for (const verb of ['approve', 'reject', 'suspend', 'reinstate']) {
      const r = await api(server, 'POST', `/api/v1/admin/doctors/${S.other.user.id}/${verb}`, { session: S.patient, body: verb === 'reject' || verb === 'suspend' ? { reason: 'Nosy patient.' } : undefined });
      assertProblem(r, 403, 'forbidden');
    }
    const audit = await api(server, 'GET', `/api/v1/admin/audit?subject_id=${S.other.user.id}`, { session: S.patient });
    assertProblem(audit, 403, 'forbidden');
    assertProblem(await api(server, 'GET', `/api/v1/patients/${S.other.user.id}/predictions`, { session: S.patient }), 403, 'forbidden');
    assertProblem(await api(server, 'GET', `/api/v1/patients/${S.other.user.id}`, { session: S.patient }), 403, 'forbidden');
  });

  it("a treating doctor reads the patient's name from the database, audited; nobody else learns it", async () => {
    const before = readAudit(server, { action: 'patients.viewed' }).length;
    const r = await api(server, 'GET', `/api/v1/patients/${S.patient.user.id}`, { session: S.approved });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ['date_of_birth', 'id', 'name', 'sex']);
    assert.equal(r.json.id, S.patient.user.id);
    assert.equal(r.json.name, S.patient.user.name);
    assert.equal(r.json.date_of_birth, S.patient.user.patient.date_of_birth);
    const audit = readAudit(server, { action: 'patients.viewed' });
    assert.equal(audit.length, before + 1);
    assert.equal(Number(audit.at(-1).actor_user_id), S.approved.user.id);
    assert.equal(Number(audit.at(-1).subject_user_id), S.patient.user.id);
    // The patient reads their own without an audit row; a doctor's or an unknown id is refused like a stranger.
    assert.equal((await api(server, 'GET', `/api/v1/patients/${S.patient.user.id}`, { session: S.patient })).status, 200);
    assert.equal(readAudit(server, { action: 'patients.viewed' }).length, before + 1);
    for (const id of [S.approved.user.id, 99999999])
      assertProblem(await api(server, 'GET', `/api/v1/patients/${id}`, { session: S.approved }), 403, 'forbidden');
    const stranger = await signupPatient(server, { name: 'Not Their Patient' });
    assertProblem(await api(server, 'GET', `/api/v1/patients/${stranger.user.id}`, { session: S.approved }), 403, 'forbidden');
  });

  it('a pending doctor sees only their own profile', async () => {
    const r = await api(server, 'GET', '/api/v1/me', { session: S.pending });
    assert.equal(r.json.user.id, S.pending.user.id);
    assert.equal(r.json.user.doctor.status, 'pending');
    assertProblem(await api(server, 'GET', `/api/v1/doctors/${S.patient.user.id}`, { session: S.pending }), 404, 'not-found');
  });
});
