// A doctor's view of a patient's health record (/patients/:id) in a real browser against a real
// medcore (SQLite) and its real skin lesion and risk models. Set up through the API (bearer
// tokens): a patient books an appointment with an approved doctor, uploads a real HAM10000 photo
// and makes a diabetes risk check. The doctor opens the appointment, follows "Health record of …",
// and sees the analysis (loaded thumbnail, kind, confidence, urgency badge, uncertainty marker,
// disclaimer) and the prediction (check, estimate, band), every read in the audit log; the analysis
// links to /skin/:id and back. A doctor who does not treat the patient gets the 403 message, not a
// crash; a patient who only wrote to the doctor has an empty record (reached from the chat header).
// axe-core on every page; no console errors or CSP violations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
  apiAccount, apiCall, checkA11y, createAdmin, ham10000Images, launchBrowser, newContext, pickImage, screenshot, sql,
  startServer, signIn,
} from './harness.mjs';

const IMAGES = ham10000Images();
const DAY = 24 * 60 * 60_000;
const ALL_DAY = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));
const DIABETES = {
  pregnancies: 2, glucose: 168, blood_pressure: 72, skin_thickness: 35, insulin: 120, bmi: 38.2,
  diabetes_pedigree_function: 0.6, age: 45,
};
const NOT_TREATING = "You can see a patient's health data only while you treat them: an appointment or a conversation.";
const percent = (p) => `${Math.round(p * 1000) / 10}%`; // as percent() in src/lib/format.ts
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let server;
let browser;
let admin;
let doctor;     // treats Ana (an appointment) and Bo (a conversation)
let stranger;   // approved, treats nobody
const opened = [];

const call = (method, path, options) => apiCall(server, method, path, options);

async function approvedDoctor(name) {
  const d = await apiAccount(server, {
    role: 'doctor', name, specialty: 'Dermatology', licence_number: 'MC-' + Math.floor(Math.random() * 1e6), years_experience: 12,
    consultation_fee_cents: 7000,
  });
  const a = await call('POST', `/api/v1/admin/doctors/${d.id}/approve`, { token: admin.token });
  assert.equal(a.status, 200, a.text);
  const h = await call('PUT', '/api/v1/doctor/availability', { token: d.token, body: { time_zone: 'UTC', slot_minutes: 30, weekly: ALL_DAY } });
  assert.equal(h.status, 200, h.text);
  return d;
}

before(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  const a = await createAdmin(server);
  const l = await call('POST', '/api/v1/auth/login', { body: { email: a.email, password: a.password, bearer: true } });
  assert.equal(l.status, 200, l.text);
  admin = { ...a, token: l.json.token };
  doctor = await approvedDoctor('Dr Helena Costa');
  stranger = await approvedDoctor('Dr Not Involved');
});

after(async () => {
  for (const c of opened) await c.context.close().catch(() => {});
  await browser?.close().catch(() => {});
  await server?.stop();
});

async function fresh() {
  const c = await newContext(browser, server);
  opened.push(c);
  return c;
}

const heading = (page, name) => page.getByRole('heading', { level: 1, name, exact: true });


const audited = (actorId, action) =>
  Number(sql(server, `SELECT count(*) AS n FROM audit_log WHERE actor_user_id = ${actorId} AND action = '${action}'`)[0].n);

test('a doctor opens the health record of a patient they treat: skin analysis, risk check, audit, analysis page', {
  skip: IMAGES ? false : 'HAM10000 images not found (../shared/datasets/skin_lesions_ham10000/images_200x150 or MEDCORE_HAM10000_IMAGES)',
}, async () => {
  // The patient (all through the API): an appointment next week, a skin photo, a diabetes check.
  const ana = await apiAccount(server, { role: 'patient', name: 'Ana Lima', date_of_birth: '1981-03-09', sex: 'female' });
  const slots = await call('GET', `/api/v1/doctors/${doctor.id}/slots?from=${new Date(Date.now() + 8 * DAY).toISOString()}`);
  assert.equal(slots.status, 200, slots.text);
  const booked = await call('POST', '/api/v1/appointments', { token: ana.token, body: { doctor_id: doctor.id, start: slots.json.slots[3].start } });
  assert.equal(booked.status, 201, booked.text);
  const photo = fs.readFileSync(pickImage(IMAGES));
  const up = await fetch(server.url + '/api/v1/skin/analyses', {
    method: 'POST', headers: { authorization: `Bearer ${ana.token}`, 'content-type': 'image/jpeg' }, body: photo, signal: AbortSignal.timeout(120_000),
  });
  assert.equal(up.status, 201, await up.clone().text());
  const analysis = await up.json();
  const pr = await call('POST', '/api/v1/predictions/diabetes', { token: ana.token, body: DIABETES });
  assert.equal(pr.status, 201, pr.text);
  const prediction = pr.json;

  const { page, problems } = await fresh();
  await signIn(page, doctor.email);
  await page.goto(`/appointments/${booked.json.id}`);
  await heading(page, 'Appointment with Ana Lima').waitFor();
  await checkA11y(page, 'appointment (doctor)');
  await screenshot(page, 'patient-health-appointment-link');
  await page.getByRole('link', { name: 'Health record of Ana Lima' }).click();
  await heading(page, 'Health record of Ana Lima').waitFor();
  const url = new URL(page.url());
  assert.equal(url.pathname, `/patients/${ana.id}`);
  assert.equal(url.search, '', 'the name is read from the API, not carried in the link');
  await page.getByText('Your access is recorded in the audit log.').waitFor();

  // The skin analysis: thumbnail (loaded), date linking to its page, kind, confidence, urgency, uncertainty.
  const skinList = page.getByRole('list', { name: 'Skin checks' });
  const item = skinList.getByRole('listitem');
  await item.first().waitFor();
  assert.equal(await item.count(), 1);
  const thumb = item.getByRole('img', { name: /^Ana Lima's skin photo from / });
  assert.equal(await thumb.getAttribute('src'), analysis.thumbnail_url);
  await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await thumb.elementHandle(), { timeout: 15_000 });
  const text = await item.innerText();
  assert.match(text, new RegExp(`${escapeRe(analysis.prediction.name)} · ${escapeRe(percent(analysis.confidence))} confidence`));
  assert.match(text, new RegExp(String(new Date(analysis.created_at).getUTCFullYear())), 'the date is shown');
  const badge = item.locator(`.badge--urgency-${analysis.urgency.level}`);
  assert.ok(await badge.isVisible(), `the ${analysis.urgency.level} urgency badge is visible`);
  assert.equal(await item.getByText('Uncertain', { exact: true }).count(), analysis.uncertain ? 1 : 0, 'the uncertainty marker exactly when the API says so');
  await page.getByText(analysis.disclaimer, { exact: true }).waitFor();

  // The risk check: which check, the estimate and its band, newest first.
  const table = page.getByRole('table', { name: "Ana Lima's risk checks, newest first" });
  const rows = table.locator('tbody tr');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 1);
  const row = await rows.first().innerText();
  assert.match(row, new RegExp(escapeRe(prediction.model_title)));
  assert.match(row, new RegExp(escapeRe(percent(prediction.probability))));
  assert.ok(await rows.first().locator(`.badge--risk-${prediction.band}`).isVisible(), 'the band badge is visible');
  await page.getByText(prediction.disclaimer, { exact: true }).waitFor();

  // Both reads are in the audit log (actor the doctor, subject the patient).
  assert.ok(audited(doctor.id, 'health.skin_analyses_viewed') >= 1);
  assert.ok(audited(doctor.id, 'health.predictions_viewed') >= 1);
  assert.ok(audited(doctor.id, 'patients.viewed') >= 1);
  assert.equal(Number(sql(server, `SELECT count(*) AS n FROM audit_log WHERE actor_user_id = ${doctor.id} AND action LIKE 'health.%' AND subject_user_id <> ${ana.id}`)[0].n), 0);
  await checkA11y(page, 'patient health record');
  await screenshot(page, 'patient-health-record');

  // The analysis opens on its own page, and leads back to the record (with the name).
  await item.getByRole('link').click();
  await heading(page, 'Skin check result').waitFor();
  assert.equal(new URL(page.url()).pathname, `/skin/${analysis.id}`);
  await page.getByRole('region', { name: 'Result', exact: true }).getByText(analysis.urgency.title, { exact: true }).waitFor();
  await checkA11y(page, 'skin analysis (doctor)');
  await page.getByRole('link', { name: "Back to the patient's health record" }).click();
  await heading(page, 'Health record of Ana Lima').waitFor();
  await page.getByRole('list', { name: 'Skin checks' }).getByRole('listitem').first().waitFor();

  // Phone width: still accessible.
  await page.setViewportSize({ width: 375, height: 780 });
  await checkA11y(page, 'patient health record (phone)');
  await screenshot(page, 'patient-health-record-phone');
  assert.deepEqual(problems, [], 'the pages logged errors or CSP violations');
});

test('a doctor who does not treat the patient is told why, and nothing is read or audited', async () => {
  const cleo = await apiAccount(server, { role: 'patient', name: 'Cleo Park', date_of_birth: '1990-01-01', sex: 'female' });
  const pr = await call('POST', '/api/v1/predictions/diabetes', { token: cleo.token, body: DIABETES });
  assert.equal(pr.status, 201, pr.text);
  const { page, problems } = await fresh();
  await signIn(page, stranger.email);
  // A crafted link cannot put a name on the page: the name comes only from the API, which refuses.
  await page.goto(`/patients/${cleo.id}?name=${encodeURIComponent('Somebody Else')}`);
  await heading(page, 'Patient health record').waitFor();
  await page.getByRole('alert').filter({ hasText: NOT_TREATING }).waitFor();
  assert.equal(await page.getByText('Somebody Else').count(), 0);
  assert.equal(await page.getByText('Cleo Park').count(), 0, "the stranger does not learn the patient's name");
  assert.equal(await page.getByRole('table').count(), 0, 'no data shown');
  assert.equal(await page.getByText('Your access is recorded in the audit log.').count(), 0);
  assert.equal(Number(sql(server, `SELECT count(*) AS n FROM audit_log WHERE actor_user_id = ${stranger.id} AND (action LIKE 'health.%' OR action = 'patients.viewed')`)[0].n), 0);
  await checkA11y(page, 'patient health record (403)');
  await screenshot(page, 'patient-health-record-forbidden');
  assert.deepEqual(problems, [], 'the pages logged errors or CSP violations');
});

test('a patient who only wrote to the doctor: the chat header links to an empty record', async () => {
  const bo = await apiAccount(server, { role: 'patient', name: 'Bo Berg', date_of_birth: '1970-07-07', sex: 'male' });
  const c = await call('POST', '/api/v1/conversations', { token: bo.token, body: { doctor_id: doctor.id } });
  assert.ok([200, 201].includes(c.status), c.text);
  const { page, problems } = await fresh();
  await signIn(page, doctor.email);
  await page.goto(`/chat/${c.json.id}`);
  await heading(page, 'Chat with Bo Berg').waitFor();
  await page.getByRole('link', { name: 'Health record of Bo Berg' }).click();
  await heading(page, 'Health record of Bo Berg').waitFor();
  assert.equal(new URL(page.url()).pathname, `/patients/${bo.id}`);
  await page.getByText('Bo Berg has no skin checks yet.').waitFor();
  await page.getByText('Bo Berg has no risk checks yet.').waitFor();
  await checkA11y(page, 'patient health record (empty)');
  assert.deepEqual(problems, [], 'the pages logged errors or CSP violations');
});

test('the health record is for doctors only', async () => {
  const { page } = await fresh();
  await page.goto('/patients/1');
  await heading(page, 'Log in').waitFor();
  assert.match(page.url(), /\/login\?next=%2Fpatients%2F1/);
  const dana = await apiAccount(server, { role: 'patient', name: 'Dana Silva', date_of_birth: '1992-02-02', sex: 'female' });
  await signIn(page, dana.email);
  await page.goto(`/patients/${dana.id}`);
  await heading(page, 'Not allowed').waitFor();
});
