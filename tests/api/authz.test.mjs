// Authorization matrix: every route of the binary (`medcore routes`) × every kind of caller, once
// with session cookies and once with bearer tokens (every method: the bearer pass is the same
// matrix on fixtures of its own), and every /chat socket event × every kind of caller — doctors
// pending, rejected and suspended (one who treats the patient and was approved when their
// appointment and conversation were made) included. A new route is one line in ROUTES; the
// completeness test fails until it is there.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { io } from 'socket.io-client';
import {
  REPO_ROOT, startServer, api, assertProblem, signupPatient, signupDoctor, login, createAdmin, approveDoctor,
  patientBody, uniqueEmail, PASSWORD, readAudit, sql,
} from './harness.mjs';
import { RawSocket } from './support/socketio.mjs';

const ROLES = ['anon', 'patient', 'other', 'pending', 'rejected', 'approved', 'suspended', 'admin'];
const NOT_APPROVED_ROLES = ['pending', 'rejected', 'suspended'];
const anyone = (s) => Object.fromEntries(ROLES.map((r) => [r, s]));
const signedIn = (s) => ({ ...anyone(s), anon: 401 });
const NOT_APPROVED = [403, 'doctor-not-approved'];
const notApproved = Object.fromEntries(NOT_APPROVED_ROLES.map((r) => [r, NOT_APPROVED]));
const adminOnly = (s) => ({ ...signedIn(403), admin: s });
const approvedDoctorOnly = (s) => ({ ...signedIn(403), ...notApproved, approved: s });
const patientOnly = (s) => ({ ...signedIn(403), patient: s, other: s });
// The booking or conversation is between `patient` and `approved` (`suspended` is asked about
// their own with `patient`): strangers learn nothing (404), doctors who are not approved are
// refused before anything is looked up, admins are refused.
const participantsOnly = (s) => ({ anon: 401, patient: s, other: 404, ...notApproved, approved: s, admin: 403 });
// A patient's health data: the patient and an approved doctor who treats them (`suspended` treats
// them too); everyone else gets `refused`.
const patientOrTreatingDoctor = (s, refused = 403) => ({ ...signedIn(refused), patient: s, approved: s });
const ALL_DAY = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));
const HALF_HOUR = 30 * 60_000;
const slotAt = (days, k = 0) => new Date((Math.ceil((Date.now() + days * 86_400_000) / HALF_HOUR) + k) * HALF_HOUR).toISOString();
const LESION_JPEG = fs.readFileSync(process.env.MEDCORE_HAM10000_IMAGES
  ? path.join(process.env.MEDCORE_HAM10000_IMAGES, 'ISIC_0024306.jpg')
  : path.join(REPO_ROOT, '..', 'shared', 'datasets', 'skin_lesions_ham10000', 'images_200x150', 'ISIC_0024306.jpg'));
const imageBody = (opts) => (opts.image ? { raw: LESION_JPEG, headers: { 'content-type': 'image/jpeg' } } : {});
const HEALTH_CSV = 'measured_at,kind,value,unit\n2026-01-05T08:00:00Z,heart_rate,64,per_min\n';
const DIABETES = { pregnancies: 1, glucose: 120, blood_pressure: 70, bmi: 27.5, diabetes_pedigree_function: 0.4, age: 40 };
// The suspended doctor is asked about their own appointment and conversation; everyone else about `approved`'s.
const own = (T, role) => (role === 'suspended' ? T.sus : T);
const isDoctor = (role) => ['pending', 'rejected', 'approved', 'suspended'].includes(role);

let server;
const S = {}; // role → session (cookie pass)
const T = {}; // targets (cookie pass)

// [method, pattern (as `medcore routes` prints it, without :int), path(T, role), body(role, T), expected {role: status|'4xx'|[status, slug]}, options]
const ROUTES = [
  ['GET', '/healthz', () => '/healthz', null, anyone(200)],
  ['GET', '/readyz', () => '/readyz', null, anyone(200)],
  ['GET', '/metrics', () => '/metrics', null, anyone(200)],
  ['GET', '/api/v1/openapi.json', () => '/api/v1/openapi.json', null, anyone(200)],
  ['POST', '/api/v1/auth/signup', () => '/api/v1/auth/signup', () => patientBody(), { ...anyone('4xx'), anon: 201 }, { fresh: true }],
  ['POST', '/api/v1/auth/login', () => '/api/v1/auth/login', (role, t) => ({ email: t.loginEmail, password: PASSWORD }), anyone(200), { fresh: true }],
  ['POST', '/api/v1/auth/logout', () => '/api/v1/auth/logout', null, signedIn(204), { fresh: true }],
  ['GET', '/api/v1/me', () => '/api/v1/me', null, signedIn(200)],
  ['PATCH', '/api/v1/me', () => '/api/v1/me', () => ({ phone: '+1 555 0100' }), signedIn(200)],
  ['POST', '/api/v1/auth/password/forgot', () => '/api/v1/auth/password/forgot', () => ({ email: uniqueEmail('nobody') }), anyone(202)],
  ['POST', '/api/v1/auth/password/reset', () => '/api/v1/auth/password/reset', () => ({ token: 'not-a-real-token-0000000000', password: 'a long new password' }), anyone(400)],
  ['POST', '/api/v1/auth/password/change', () => '/api/v1/auth/password/change', () => ({ current_password: 'not the password', new_password: 'a long new password' }), signedIn(422)],
  ['GET', '/api/v1/doctors', () => '/api/v1/doctors', null, anyone(200)],
  ['GET', '/api/v1/doctors/{id}', (t) => `/api/v1/doctors/${t.approvedId}`, null, anyone(200)],
  ['GET', '/api/v1/admin/doctors', () => '/api/v1/admin/doctors?status=pending', null, adminOnly(200)],
  ['POST', '/api/v1/admin/doctors/{id}/approve', (t) => `/api/v1/admin/doctors/${t.toApprove}/approve`, null, adminOnly(200)],
  ['POST', '/api/v1/admin/doctors/{id}/reject', (t) => `/api/v1/admin/doctors/${t.toReject}/reject`, () => ({ reason: 'Could not verify.' }), adminOnly(200)],
  ['POST', '/api/v1/admin/doctors/{id}/suspend', (t) => `/api/v1/admin/doctors/${t.toSuspend}/suspend`, () => ({ reason: 'Under review.' }), adminOnly(200)],
  ['POST', '/api/v1/admin/doctors/{id}/reinstate', (t) => `/api/v1/admin/doctors/${t.toReinstate}/reinstate`, null, adminOnly(200)],
  ['POST', '/api/v1/admin/admins', () => '/api/v1/admin/admins', () => ({ name: 'New Admin', email: uniqueEmail('admin'), password: 'a long admin password' }), adminOnly(201)],
  ['GET', '/api/v1/admin/audit', () => '/api/v1/admin/audit', null, adminOnly(200)],
  ['GET', '/api/v1/me/notifications', () => '/api/v1/me/notifications', null, signedIn(200)],
  ['PATCH', '/api/v1/me/notifications', () => '/api/v1/me/notifications', () => ({ chat: true }), signedIn(200)],
  ['GET', '/api/v1/admin/outbox', () => '/api/v1/admin/outbox?status=dead', null, adminOnly(200)],
  ['POST', '/api/v1/admin/outbox/{id}/retry', () => '/api/v1/admin/outbox/99999999/retry', null, adminOnly(404)],
  ['GET', '/api/v1/doctor/availability', () => '/api/v1/doctor/availability', null, approvedDoctorOnly(200)],
  ['PUT', '/api/v1/doctor/availability', () => '/api/v1/doctor/availability', () => ({ time_zone: 'UTC', slot_minutes: 30, weekly: ALL_DAY }), approvedDoctorOnly(200)],
  ['POST', '/api/v1/doctor/availability/exceptions', () => '/api/v1/doctor/availability/exceptions', (role, t) => ({ date: t.exceptionDate, kind: 'extra', start: '01:00', end: '02:00' }), approvedDoctorOnly(201)],
  ['DELETE', '/api/v1/doctor/availability/exceptions/{id}', () => '/api/v1/doctor/availability/exceptions/99999999', null, approvedDoctorOnly(404)],
  ['GET', '/api/v1/doctors/{id}/slots', (t) => `/api/v1/doctors/${t.approvedId}/slots`, null, anyone(200)],
  ['POST', '/api/v1/appointments', () => '/api/v1/appointments', (role, t) => ({ doctor_id: t.approvedId, start: role === 'other' ? t.slotOther : t.slotPatient }), patientOnly(201)],
  ['GET', '/api/v1/appointments', () => '/api/v1/appointments', null, { anon: 401, patient: 200, other: 200, ...notApproved, approved: 200, admin: 403 }],
  ['GET', '/api/v1/appointments/{id}', (t, role) => `/api/v1/appointments/${own(t, role).appointment}`, null, participantsOnly(200)],
  ['GET', '/api/v1/appointments/{id}.ics', (t, role) => `/api/v1/appointments/${own(t, role).appointment}.ics`, null, participantsOnly(200)],
  // The patient cancels first (200); the approved doctor then finds it cancelled (409).
  ['POST', '/api/v1/appointments/{id}/cancel', (t, role) => `/api/v1/appointments/${own(t, role).toCancel}/cancel`, () => ({ reason: 'Cannot come.' }),
    { ...participantsOnly(200), approved: 409 }],
  ['POST', '/api/v1/appointments/{id}/reschedule', (t) => `/api/v1/appointments/${t.toMove}/reschedule`, (role, t) => ({ start: t.moveTo }),
    { ...signedIn(403), patient: 200, other: 404 }],
  ['POST', '/api/v1/appointments/{id}/complete', (t, role) => `/api/v1/appointments/${own(t, role).appointment}/complete`, null, approvedDoctorOnly(409)],
  ['POST', '/api/v1/appointments/{id}/no-show', (t, role) => `/api/v1/appointments/${own(t, role).appointment}/no-show`, null, approvedDoctorOnly(409)],
  ['GET', '/api/v1/prediction-models', () => '/api/v1/prediction-models', null, anyone(200)],
  ['GET', '/api/v1/prediction-models/{name}', () => '/api/v1/prediction-models/heart', null, anyone(200)],
  ['GET', '/api/v1/predictions/{model}/prefill', () => '/api/v1/predictions/stroke/prefill', null, patientOnly(200)],
  ['POST', '/api/v1/predictions/{model}', () => '/api/v1/predictions/diabetes', () => DIABETES, patientOnly(201)],
  ['GET', '/api/v1/predictions', () => '/api/v1/predictions', null, patientOnly(200)],
  // The patient's own id; `approved` and `suspended` treat them (appointments booked in the fixtures).
  ['GET', '/api/v1/patients/{id}', (t) => `/api/v1/patients/${t.patientId}`, null, patientOrTreatingDoctor(200)],
  ['GET', '/api/v1/patients/{id}/predictions', (t) => `/api/v1/patients/${t.patientId}/predictions`, null, patientOrTreatingDoctor(200)],
  // Skin checks: the analysis is the patient's (made in the fixtures).
  ['POST', '/api/v1/skin/analyses', () => '/api/v1/skin/analyses', null, patientOnly(201), { image: true }],
  ['GET', '/api/v1/skin/analyses', () => '/api/v1/skin/analyses', null, patientOnly(200)],
  ['GET', '/api/v1/skin/analyses/{id}', (t) => `/api/v1/skin/analyses/${t.skinAnalysis}`, null, patientOrTreatingDoctor(200, 404)],
  ['GET', '/api/v1/skin/analyses/{id}/thumbnail', (t) => `/api/v1/skin/analyses/${t.skinAnalysis}/thumbnail`, null, patientOrTreatingDoctor(200, 404)],
  ['GET', '/api/v1/patients/{id}/skin-analyses', (t) => `/api/v1/patients/${t.patientId}/skin-analyses`, null, patientOrTreatingDoctor(200)],
  ['GET', '/api/v1/skin/model', () => '/api/v1/skin/model', null, anyone(200)],
  ['GET', '/api/v1/skin/model/card', () => '/api/v1/skin/model/card', null, anyone(200)],
  // Health readings: the patient's own (`healthReading`, `healthToDelete` made in the fixtures).
  ['POST', '/api/v1/health/readings', () => '/api/v1/health/readings', () => ({ kind: 'heart_rate', value: 70 }), patientOnly(201)],
  ['GET', '/api/v1/health/readings', () => '/api/v1/health/readings', null, patientOnly(200)],
  ['PATCH', '/api/v1/health/readings/{id}', (t) => `/api/v1/health/readings/${t.healthReading}`, () => ({ value: 72 }), { ...patientOnly(200), other: 404 }],
  ['DELETE', '/api/v1/health/readings/{id}', (t) => `/api/v1/health/readings/${t.healthToDelete}`, null, { ...patientOnly(204), other: 404 }],
  ['GET', '/api/v1/health/series', () => '/api/v1/health/series?kind=heart_rate&days=7', null, patientOnly(200)],
  ['GET', '/api/v1/health/export', () => '/api/v1/health/export', null, patientOnly(200)],
  ['POST', '/api/v1/health/imports/preview', () => '/api/v1/health/imports/preview', () => ({ csv: HEALTH_CSV }), patientOnly(200)],
  ['POST', '/api/v1/health/imports', () => '/api/v1/health/imports', () => ({ csv: HEALTH_CSV }), patientOnly(200)],
  // The advisor: a patient's own advice (offline here), and the administrator's provider switch.
  ['POST', '/api/v1/health/advice', () => '/api/v1/health/advice', () => ({}), patientOnly(201)],
  ['GET', '/api/v1/health/advice', () => '/api/v1/health/advice', null, patientOnly(200)],
  ['GET', '/api/v1/admin/ai', () => '/api/v1/admin/ai', null, adminOnly(200)],
  ['PUT', '/api/v1/admin/ai', () => '/api/v1/admin/ai', () => ({ enabled: false }), adminOnly(200)],
  ['GET', '/api/v1/patients/{id}/health/readings', (t) => `/api/v1/patients/${t.patientId}/health/readings`, null, patientOrTreatingDoctor(200)],
  ['GET', '/api/v1/patients/{id}/health/series', (t) => `/api/v1/patients/${t.patientId}/health/series?kind=heart_rate`, null, patientOrTreatingDoctor(200)],
  // Chat: the conversation is between `patient` and `approved` (`suspended` has one with `patient` too).
  ['GET', '/api/v1/conversations', () => '/api/v1/conversations', null, { anon: 401, patient: 200, other: 200, ...notApproved, approved: 200, admin: 403 }],
  ['POST', '/api/v1/conversations', () => '/api/v1/conversations', (role, t) => (isDoctor(role) ? { patient_id: t.patientId } : { doctor_id: t.approvedId }),
    { anon: 401, patient: 200, other: 201, ...notApproved, approved: 200, admin: 403 }],
  ['GET', '/api/v1/conversations/{id}', (t, role) => `/api/v1/conversations/${own(t, role).conversation}`, null, participantsOnly(200)],
  ['GET', '/api/v1/conversations/{id}/messages', (t, role) => `/api/v1/conversations/${own(t, role).conversation}/messages`, null, participantsOnly(200)],
  ['POST', '/api/v1/conversations/{id}/messages', (t, role) => `/api/v1/conversations/${own(t, role).conversation}/messages`, (role) => ({ text: 'Hello', client_message_id: `authz-${role}` }),
    participantsOnly(201)],
  ['POST', '/api/v1/conversations/{id}/read', (t, role) => `/api/v1/conversations/${own(t, role).conversation}/read`, (role, t) => ({ message_id: own(t, role).message }),
    participantsOnly(200)],
];

const SLUG = { 401: 'unauthenticated', 403: 'forbidden' };

// Everyone the matrix asks as, and what they are asked about. `mode` 'cookie': the sessions of
// sign-up (cookie + CSRF token); 'bearer': a bearer-token login per role.
async function fixtures(mode) {
  const s = { anon: null };
  const t = { sus: {} };
  const admin = await createAdmin(server);
  const people = {
    admin,
    patient: await signupPatient(server, { name: 'Patient One' }),
    other: await signupPatient(server, { name: 'Patient Two', date_of_birth: '1970-01-02', sex: 'male' }),
    pending: await signupDoctor(server, { name: 'Dr Pending' }),
    rejected: await signupDoctor(server, { name: 'Dr Rejected' }),
    approved: await signupDoctor(server, { name: 'Dr Approved' }),
    suspended: await signupDoctor(server, { name: 'Dr Suspended' }),
  };
  const review = async (id, verb, body) => {
    const r = await api(server, 'POST', `/api/v1/admin/doctors/${id}/${verb}`, { session: admin, body });
    assert.equal(r.status, 200, r.text);
  };
  await review(people.rejected.user.id, 'reject', { reason: 'Licence not found.' });
  await approveDoctor(server, admin, people.approved.user.id);
  await approveDoctor(server, admin, people.suspended.user.id);
  t.approvedId = people.approved.user.id;
  t.patientId = people.patient.user.id;
  t.loginEmail = people.other.email;
  t.toApprove = (await signupDoctor(server, { name: 'Dr To Approve' })).user.id;
  t.toReject = (await signupDoctor(server, { name: 'Dr To Reject' })).user.id;
  t.toSuspend = (await signupDoctor(server, { name: 'Dr To Suspend' })).user.id;
  await approveDoctor(server, admin, t.toSuspend);
  for (const doctor of [people.approved, people.suspended]) {
    const hours = await api(server, 'PUT', '/api/v1/doctor/availability', { session: doctor, body: { time_zone: 'UTC', slot_minutes: 30, weekly: ALL_DAY } });
    assert.equal(hours.status, 200, hours.text);
  }
  const book = async (doctorId, start) => {
    const r = await api(server, 'POST', '/api/v1/appointments', { session: people.patient, body: { doctor_id: doctorId, start } });
    assert.equal(r.status, 201, r.text);
    return r.json.id;
  };
  const converse = async (doctorId, clientId) => {
    const chat = await api(server, 'POST', '/api/v1/conversations', { session: people.patient, body: { doctor_id: doctorId } });
    assert.equal(chat.status, 201, chat.text);
    const msg = await api(server, 'POST', `/api/v1/conversations/${chat.json.id}/messages`, { session: people.patient, body: { text: 'First', client_message_id: clientId } });
    assert.equal(msg.status, 201, msg.text);
    return [chat.json.id, msg.json.id];
  };
  t.appointment = await book(t.approvedId, slotAt(3));
  t.toCancel = await book(t.approvedId, slotAt(3, 2));
  t.toMove = await book(t.approvedId, slotAt(3, 4));
  t.moveTo = slotAt(3, 6);
  t.sus.appointment = await book(people.suspended.user.id, slotAt(3, 8));
  t.sus.toCancel = await book(people.suspended.user.id, slotAt(3, 10));
  t.slotPatient = slotAt(4);
  t.slotOther = slotAt(4, 2);
  t.exceptionDate = slotAt(200).slice(0, 10);
  t.toReinstate = (await signupDoctor(server, { name: 'Dr To Reinstate' })).user.id;
  await approveDoctor(server, admin, t.toReinstate);
  await review(t.toReinstate, 'suspend', { reason: 'Temporarily.' });
  [t.conversation, t.message] = await converse(t.approvedId, 'authz-first');
  [t.sus.conversation, t.sus.message] = await converse(people.suspended.user.id, 'authz-first-sus');
  const skin = await api(server, 'POST', '/api/v1/skin/analyses', { session: people.patient, ...imageBody({ image: true }) });
  assert.equal(skin.status, 201, skin.text);
  t.skinAnalysis = skin.json.id;
  const reading = async () => {
    const r = await api(server, 'POST', '/api/v1/health/readings', { session: people.patient, body: { kind: 'heart_rate', value: 66 } });
    assert.equal(r.status, 201, r.text);
    return r.json.reading.id;
  };
  t.healthReading = await reading();
  t.healthToDelete = await reading();
  // Suspended last: everything above was theirs while they were approved.
  await review(people.suspended.user.id, 'suspend', { reason: 'Complaints under review.' });
  for (const [role, p] of Object.entries(people)) {
    s[role] = mode === 'bearer' ? await login(server, p.email, p.password, { bearer: true }) : p;
    s[role].user = p.user;
  }
  return { s, t, people };
}

before(async () => {
  server = await startServer();
  const cookie = await fixtures('cookie');
  Object.assign(S, cookie.s);
  Object.assign(T, cookie.t);
});
after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `clean shutdown: ${JSON.stringify(r)}`);
  }
});

// One route × every role; returns the failures.
async function check(sessions, targets, mode, [method, , pathFn, bodyFn, expected, opts = {}]) {
  const failures = [];
  for (const role of ROLES) {
    let session = sessions[role];
    if (opts.fresh && session) session = await login(server, session.email, session.password, { bearer: mode === 'bearer' });
    const body = bodyFn ? bodyFn(role, targets) : undefined;
    const r = await api(server, method, pathFn(targets, role), { session, body, ...imageBody(opts) });
    // An expectation is a status, '4xx', or [status, slug] when the slug is not the usual one.
    const [want, slug] = Array.isArray(expected[role]) ? expected[role] : [expected[role], SLUG[expected[role]]];
    const ok = want === '4xx' ? r.status >= 400 && r.status < 500 : r.status === want;
    if (!ok) { failures.push(`${role}: expected ${want}, got ${r.status} ${r.text.slice(0, 160)}`); continue; }
    if (r.status >= 400) {
      try { assertProblem(r, r.status, want !== '4xx' ? slug : undefined); } catch (e) { failures.push(`${role}: ${e.message}`); }
    }
  }
  return failures;
}

describe('authorization matrix', () => {
  it('has a row for every route the binary serves (`medcore routes`), and none for a route it does not', async () => {
    const r = await server.cli(['routes']);
    assert.equal(r.code, 0, r.stderr);
    const served = r.stdout.trim().split('\n').map((line) => line.replace(/\{(\w+):int\}/g, '{$1}'));
    assert.ok(served.length >= 50, `medcore routes printed ${served.length} routes`);
    const covered = ROUTES.map(([m, p]) => `${m} ${p}`);
    assert.deepEqual(served.filter((x) => !covered.includes(x)), [], 'routes without a row in the matrix');
    assert.deepEqual(covered.filter((x) => !served.includes(x)), [], 'rows for routes the binary does not serve');
  });

  for (const route of ROUTES) {
    it(`${route[0]} ${route[1]}`, async () => {
      assert.deepEqual(await check(S, T, 'cookie', route), []);
    });
  }
});

describe('the same matrix with bearer tokens (no cookie, no CSRF token), every method', () => {
  const B = {};
  before(async () => { Object.assign(B, await fixtures('bearer')); });
  for (const route of ROUTES) {
    it(`${route[0]} ${route[1]}`, async () => {
      assert.ok(B.s.patient.token && !B.s.patient.cookie, 'the bearer pass uses bearer tokens');
      assert.deepEqual(await check(B.s, B.t, 'bearer', route), []);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// The /chat namespace: its handshake and every event, × every kind of caller.

// [event, payload(T, role), answer per connected role: 'ok' or the error status]
const EVENTS = [
  ['join', (t) => ({ conversation_id: t.conversation }), { patient: 'ok', other: 404, approved: 'ok' }],
  ['send', (t, role) => ({ conversation_id: t.conversation, text: `from ${role}`, client_message_id: `sock-${role}` }), { patient: 'ok', other: 404, approved: 'ok' }],
  ['typing', (t) => ({ conversation_id: t.conversation, typing: true }), { patient: 'ok', other: 403, approved: 'ok' }],
  ['read', (t) => ({ conversation_id: t.conversation, message_id: t.message }), { patient: 'ok', other: 404, approved: 'ok' }],
  ['delivered', (t) => ({ conversation_id: t.conversation, message_id: t.message }), { patient: 'ok', other: 403, approved: 'ok' }],
  ['history', (t) => ({ conversation_id: t.conversation }), { patient: 'ok', other: 404, approved: 'ok' }],
  ['leave', (t) => ({ conversation_id: t.conversation }), { patient: 'ok', other: 'ok', approved: 'ok' }],
];
const HANDSHAKE = {
  anon: /unauthorized/, patient: 'connect', other: 'connect', pending: /forbidden/, rejected: /forbidden/,
  approved: 'connect', suspended: /forbidden/, admin: /forbidden/,
};

function once(emitter, event, ms = 4000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no "${event}" within ${ms} ms`)), ms);
    emitter.once(event, (...args) => { clearTimeout(t); resolve(args); });
  });
}

// A client that speaks Socket.IO by hand over a WebSocket and ignores what the server tells it:
// it keeps sending events after a refused handshake or a DISCONNECT.
async function rawChat(token) {
  const raw = new RawSocket(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket`, { skipPings: true });
  assert.equal((await raw.next())[0], '0', 'Engine.IO open');
  raw.send('40/chat,' + JSON.stringify(token ? { token } : {}));
  return { raw, answer: await raw.next(4000) };
}

// Sends every event with an ack id, then asks to connect again (refused: its answer comes after
// every event before it was handled, in order), then collects whatever else comes for a moment:
// returns every frame received.
async function sendEveryEventRegardless(raw, token, t, role) {
  EVENTS.forEach(([name, body], i) => raw.send(`42/chat,${100 + i}` + JSON.stringify([name, body(t, role)])));
  raw.send('40/chat,' + JSON.stringify({ token }));
  const frames = [];
  for (;;) {
    const f = await raw.next(4000);
    frames.push(f);
    if (String(f).startsWith('44/chat,')) break;
  }
  // An answer to an event would be on its way by now; give a late one a moment to show up.
  for (;;) {
    try { frames.push(await raw.next(300)); } catch { break; }
  }
  return frames;
}

describe('the /chat socket: handshake and every event × every kind of caller', () => {
  const C = {};
  const clients = [];
  before(async () => { Object.assign(C, await fixtures('bearer')); });
  after(() => { for (const c of clients) c.disconnect ? c.disconnect() : c.close(); });

  for (const role of ROLES) {
    it(`${role}: ${HANDSHAKE[role] === 'connect' ? 'each event answers as the REST route would' : 'the handshake and every event are refused'}`, async () => {
      const token = C.s[role]?.token;
      if (HANDSHAKE[role] === 'connect') {
        const s = io(server.url + '/chat', { forceNew: true, reconnection: false, transports: ['websocket'], auth: { token } });
        clients.push(s);
        await once(s, 'connect');
        const failures = [];
        for (const [name, body, want] of EVENTS) {
          const answer = await s.timeout(4000).emitWithAck(name, body(C.t, role));
          const got = answer?.error ? answer.error.status : 'ok';
          if (got !== want[role]) failures.push(`${name}: expected ${want[role]}, got ${JSON.stringify(answer).slice(0, 160)}`);
        }
        assert.deepEqual(failures, []);
        s.disconnect();
        return;
      }
      const s = io(server.url + '/chat', { forceNew: true, reconnection: false, transports: ['websocket'], auth: token ? { token } : {} });
      clients.push(s);
      const [err] = await once(s, 'connect_error');
      assert.match(err.message, HANDSHAKE[role]);
      // A client that sends its events anyway gets no answer, and nothing is stored.
      const { raw, answer } = await rawChat(token);
      clients.push(raw);
      assert.match(answer, /^44\/chat,/, 'CONNECT_ERROR');
      const frames = await sendEveryEventRegardless(raw, token, C.t, role);
      assert.deepEqual(frames.filter((f) => String(f).startsWith('43')), [], 'no event was answered');
      assert.equal(sql(server, `SELECT count(*) AS n FROM messages WHERE client_message_id = 'sock-${role}'`)[0].n, 0);
    });
  }

  it('suspended while connected: the socket is closed at once, and events sent after that are refused', async () => {
    const { t, people } = C;
    const doctor = await signupDoctor(server, { name: 'Dr Soon Suspended' });
    await approveDoctor(server, people.admin, doctor.user.id);
    const chat = await api(server, 'POST', '/api/v1/conversations', { session: people.patient, body: { doctor_id: doctor.user.id } });
    assert.equal(chat.status, 201, chat.text);
    const mine = { ...t, conversation: chat.json.id };
    const { token } = await login(server, doctor.email, doctor.password, { bearer: true });
    const { raw, answer } = await rawChat(token);
    clients.push(raw);
    assert.match(answer, /^40\/chat,/, 'connected while approved');
    raw.send('42/chat,1' + JSON.stringify(['join', { conversation_id: mine.conversation }]));
    assert.match(await raw.next(4000), /^43\/chat,1\[\{"conversation"/, 'joined while approved');

    const suspended = await api(server, 'POST', `/api/v1/admin/doctors/${doctor.user.id}/suspend`, { session: people.admin, body: { reason: 'Complaint.' } });
    assert.equal(suspended.status, 200, suspended.text);
    const nothing = () => 'nothing within 2 s';
    assert.equal(await raw.next(2000).catch(nothing), '42/chat,["session_ended",{"reason":"access_revoked"}]');
    assert.equal(await raw.next(2000).catch(nothing), '41/chat,');
    // A message for them now reaches nobody on this socket; their events are not handled.
    const sent = await api(server, 'POST', `/api/v1/conversations/${mine.conversation}/messages`, { session: people.patient, body: { text: 'after the suspension', client_message_id: 'after-suspension' } });
    assert.equal(sent.status, 201, sent.text);
    const frames = await sendEveryEventRegardless(raw, token, mine, 'soon-suspended');
    assert.ok(frames.some((f) => /^44\/chat,.*forbidden/.test(f)), `connecting again is refused: ${frames}`);
    assert.deepEqual(frames.filter((f) => !String(f).startsWith('44/chat,')), [], 'no answer, no message');
    assert.equal(sql(server, `SELECT count(*) AS n FROM messages WHERE client_message_id = 'sock-soon-suspended'`)[0].n, 0);
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
