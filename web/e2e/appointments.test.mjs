// Appointments in a real browser against a real medcore (SQLite): a patient books a free slot from
// the week view (with an Idempotency-Key), meets a conflict and picks an alternative, reschedules
// and cancels; the doctor sees the booking in the agenda, marks an outcome, cancels with a reason
// and edits the hours (and is warned about bookings left outside them). axe-core on every page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  PASSWORD, apiAccount, apiCall, checkA11y, createAdmin, launchBrowser, newContext, screenshot, sql, sqlExec, startServer, uniqueEmail, signIn,
} from './harness.mjs';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const ALL_DAY = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let server;
let browser;
let admin;
let doctor;      // Dr Kavya Rao, Asia/Kolkata, every hour of every day
let colleague;   // same specialty, UTC
const opened = [];

const call = (method, path, options) => apiCall(server, method, path, options);
const account = (body) => apiAccount(server, body);
const patientAccount = (name) => account({ role: 'patient', name, date_of_birth: '1985-06-01', sex: 'unknown' });

async function approvedDoctor(name, specialty, hours) {
  const d = await account({ role: 'doctor', name, specialty, licence_number: 'MC-' + Math.floor(Math.random() * 1e6), years_experience: 9, consultation_fee_cents: 6000 });
  const a = await call('POST', `/api/v1/admin/doctors/${d.id}/approve`, { token: admin.token });
  assert.equal(a.status, 200, a.text);
  if (hours) {
    const h = await call('PUT', '/api/v1/doctor/availability', { token: d.token, body: hours });
    assert.equal(h.status, 200, h.text);
  }
  return d;
}

/** Free slots of a doctor next week and the week after (always inside the booking window). */
async function laterSlots(d) {
  const from = new Date(Date.now() + 8 * DAY).toISOString();
  const r = await call('GET', `/api/v1/doctors/${d.id}/slots?from=${from}`);
  assert.equal(r.status, 200, r.text);
  return r.json.slots;
}

before(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  const a = await createAdmin(server, { name: 'Morgan Reyes' });
  const l = await call('POST', '/api/v1/auth/login', { body: { email: a.email, password: a.password, bearer: true } });
  admin = { ...a, token: l.json.token };
  doctor = await approvedDoctor('Dr Kavya Rao', 'Nephrology', { time_zone: 'Asia/Kolkata', slot_minutes: 30, weekly: ALL_DAY });
  colleague = await approvedDoctor('Dr Second Opinion', 'Nephrology', { time_zone: 'UTC', slot_minutes: 30, weekly: ALL_DAY });
});

after(async () => {
  for (const c of opened) await c.context.close().catch(() => {});
  await browser?.close().catch(() => {});
  await server?.stop();
});

async function fresh(opts) {
  const c = await newContext(browser, server, opts);
  opened.push(c);
  return c;
}

const heading = (page, name) => page.getByRole('heading', { level: 1, name });


function assertClean(problems, label) {
  assert.deepEqual(problems, [], `${label}: the page logged errors or CSP violations`);
}

/** Opens the doctor's page, shows next week's free times, returns the slot buttons. */
async function openWeek(page, d) {
  await page.goto(`/doctors/${d.id}`);
  await heading(page, d.name).waitFor();
  await page.getByRole('button', { name: 'Next week →' }).click();
  const slots = page.locator('.week__slots button');
  await slots.first().waitFor();
  return slots;
}

/** Records the POST /api/v1/appointments requests a page makes (to check the Idempotency-Key). */
function bookingRequests(page) {
  const seen = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/appointments') seen.push(r.headers()['idempotency-key']);
  });
  return seen;
}

const appointmentsOf = (patientId) => sql(server, `SELECT id, doctor_id, start_at, status, reason FROM appointments WHERE patient_id = ${patientId} ORDER BY id`);

test('a patient signs up (with the browser\'s zone), finds a doctor and books a free slot', async () => {
  const { page, problems } = await fresh();
  const email = uniqueEmail('patient');
  await page.goto('/signup');
  await page.getByLabel('Patient').check();
  await page.getByLabel('Full name').fill('Ana Lima');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Phone').fill('+351 912 345 678');
  await page.getByLabel('Date of birth').fill('1990-04-01');
  await page.getByLabel('Sex').selectOption('female');
  await page.getByRole('button', { name: 'Create account' }).click();
  await heading(page, 'Welcome, Ana').waitFor();
  const me = sql(server, `SELECT p.user_id AS id, p.time_zone FROM patients p JOIN users u ON u.id = p.user_id WHERE u.email = '${email}'`)[0];
  assert.equal(me.time_zone, 'Europe/Lisbon', 'sign-up sends the browser\'s time zone');
  await page.getByText('Europe/Lisbon').first().waitFor();

  // The directory: name search, fee and experience on the card, then the doctor's week.
  await page.getByRole('link', { name: 'Find a doctor' }).first().click();
  await heading(page, 'Find a doctor').waitFor();
  await page.getByLabel('Name').fill('Kavya');
  await page.getByRole('button', { name: 'Search' }).click();
  const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Dr Kavya Rao' }) });
  await card.getByText(/9 years' experience/).waitFor();
  await card.getByText(/60\.00/).waitFor();
  await card.getByRole('link', { name: 'See free times of Dr Kavya Rao' }).click();
  await heading(page, 'Dr Kavya Rao').waitFor();
  await page.getByText(/Dr Kavya Rao works in Asia\/Kolkata/).waitFor();
  // This week cannot go back.
  assert.equal(await page.getByRole('button', { name: '← Previous week' }).isDisabled(), true);
  const slots = await openWeek(page, doctor);
  await checkA11y(page, 'doctor page with free times');
  await screenshot(page, 'doctor-week');

  const requests = bookingRequests(page);
  const slot = slots.nth(20);
  const label = await slot.innerText();
  await slot.click();
  assert.equal(await slot.getAttribute('aria-pressed'), 'true');
  await page.locator('#booking-title').getByText(/^Book \w+ \d+ \w+, \d\d:\d\d \(\d\d:\d\d Asia\/Kolkata\)$/).waitFor();
  // Focus moves to the form, so a keyboard user does not tab past every other slot.
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'booking-title');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'reason');
  await page.getByLabel('Reason for the visit (optional)').fill('Follow-up on blood tests');
  // A double click books once: the button is busy after the first, and the key is the same anyway.
  await page.getByRole('button', { name: 'Book this time' }).dblclick();
  await heading(page, 'Appointment with Dr Kavya Rao').waitFor();
  await page.getByText('Booked. A confirmation is on its way').waitFor();
  assert.match(new URL(page.url()).pathname, /^\/appointments\/\d+$/);
  assert.ok(requests.length >= 1 && requests.every((k) => k === requests[0]), `one key per attempt: ${requests}`);
  assert.match(requests[0], UUID);
  const rows = appointmentsOf(me.id);
  assert.equal(rows.length, 1, 'exactly one booking');
  assert.equal(rows[0].reason, 'Follow-up on blood tests');
  assert.equal(rows[0].status, 'booked');
  // The slot's time, as the week showed it, is the booked time.
  const hhmm = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Lisbon' }).format(new Date(Number(rows[0].start_at)));
  assert.ok(label.includes(hhmm), `${label} vs ${hhmm}`);
  await page.getByText('Follow-up on blood tests').waitFor();
  await checkA11y(page, 'appointment detail');

  // The .ics download link works with the session cookie.
  const ics = page.getByRole('link', { name: 'Add to calendar (.ics)' });
  const href = await ics.getAttribute('href');
  assert.equal(href, `/api/v1/appointments/${rows[0].id}.ics`);
  const got = await page.evaluate(async (u) => {
    const r = await fetch(u);
    return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
  }, href);
  assert.equal(got.status, 200);
  assert.match(got.type, /^text\/calendar/);
  assert.ok(got.text.startsWith('BEGIN:VCALENDAR'));

  // My appointments lists it.
  await page.getByRole('link', { name: 'My appointments' }).first().click();
  await heading(page, 'My appointments').waitFor();
  await page.getByRole('list', { name: 'Upcoming appointments' }).getByText('Dr Kavya Rao').waitFor();
  await checkA11y(page, 'my appointments');
  await page.getByRole('link', { name: 'Past', exact: true }).click();
  await page.getByText('No past appointments.').waitFor();

  // Phone width: the week stacks and still passes axe.
  await page.setViewportSize({ width: 375, height: 780 });
  await openWeek(page, doctor);
  await checkA11y(page, 'doctor page (phone)');
  await screenshot(page, 'doctor-week-phone');
  assertClean(problems, 'booking');
});

test('a taken slot answers with alternatives; picking one books it', async () => {
  const me = await patientAccount('Bea Costa');
  const rival = await patientAccount('Rui Rival');
  const { page, problems } = await fresh();
  await signIn(page, me.email);
  const slots = await openWeek(page, doctor);
  const slot = slots.nth(30);
  await slot.click();
  await page.getByRole('button', { name: 'Book this time' }).waitFor();
  // Meanwhile someone else books that very slot through the API. The picked button is the 31st
  // free slot of next week (Monday 00:00 to Monday 00:00 in the browser's zone), as the page loaded it.
  const weekFrom = await page.evaluate(() => {
    const d = new Date();
    const m = new Date(d.getFullYear(), d.getMonth(), d.getDate() - ((d.getDay() + 6) % 7) + 7);
    return [m.toISOString(), new Date(m.getFullYear(), m.getMonth(), m.getDate() + 7).toISOString()];
  });
  const week = await call('GET', `/api/v1/doctors/${doctor.id}/slots?from=${weekFrom[0]}&to=${weekFrom[1]}`);
  const picked = week.json.slots[30];
  const r = await call('POST', '/api/v1/appointments', { token: rival.token, body: { doctor_id: doctor.id, start: picked.start } });
  assert.equal(r.status, 201, r.text);

  await page.getByRole('button', { name: 'Book this time' }).click();
  await page.getByText('That time is no longer available.').waitFor();
  await page.getByRole('heading', { name: 'Other times with Dr Kavya Rao' }).waitFor();
  await page.getByRole('heading', { name: 'Colleagues in Nephrology' }).waitFor();
  await page.getByRole('button', { name: /^Dr Second Opinion: / }).first().waitFor();
  await checkA11y(page, 'booking conflict');
  await screenshot(page, 'booking-conflict');
  assert.equal(appointmentsOf(me.id).length, 0, 'nothing booked by the conflict');

  const alt = page.locator('.alternatives__list').first().getByRole('button').first();
  await alt.click();
  await heading(page, 'Appointment with Dr Kavya Rao').waitFor();
  const rows = appointmentsOf(me.id);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].doctor_id, doctor.id);
  assert.notEqual(Number(rows[0].start_at), Date.parse(picked.start), 'a different time than the taken one');
  assert.ok(Math.abs(Number(rows[0].start_at) - Date.parse(picked.start)) <= 3 * 30 * MIN, 'one of the nearest times');
  assertClean(problems, 'conflict');
});

test('a patient reschedules and then cancels from My appointments', async () => {
  const me = await patientAccount('Carla Mendes');
  const [first] = await laterSlots(doctor);
  const b = await call('POST', '/api/v1/appointments', { token: me.token, body: { doctor_id: doctor.id, start: first.start, reason: 'Annual check' } });
  assert.equal(b.status, 201, b.text);
  const { page, problems } = await fresh();
  await signIn(page, me.email);
  // The dashboard lists the next appointments.
  await page.getByRole('heading', { name: 'Next appointments' }).waitFor();
  await page.locator('.next-appts').getByText('Dr Kavya Rao, Nephrology').waitFor();
  await page.getByRole('link', { name: 'My appointments' }).first().click();
  await heading(page, 'My appointments').waitFor();
  const card = page.getByRole('listitem').filter({ hasText: 'Annual check' });
  await card.getByRole('button', { name: 'Reschedule' }).click();
  await card.getByRole('button', { name: 'Next week →' }).click();
  // By keyboard: Enter on a slot, focus lands on the confirm button.
  const slot = card.locator('.week__slots button').nth(5);
  await slot.focus();
  await page.keyboard.press('Enter');
  const confirm = card.getByRole('button', { name: /^Move to / });
  await confirm.waitFor();
  assert.match(await page.evaluate(() => document.activeElement?.textContent ?? ''), /^Move to /);
  await page.keyboard.press('Enter');
  await card.getByText('Appointment moved.').waitFor();
  await checkA11y(page, 'after reschedule');
  let row = appointmentsOf(me.id)[0];
  assert.equal(row.id, b.json.id, 'the same appointment');
  assert.notEqual(Number(row.start_at), Date.parse(first.start), 'moved');
  assert.equal(sql(server, `SELECT reschedule_count FROM appointments WHERE id = ${row.id}`)[0].reschedule_count, 1);

  await card.getByRole('button', { name: 'Cancel…' }).click();
  await card.getByLabel('Reason for cancelling (optional)').fill('Feeling better');
  await checkA11y(page, 'cancel form');
  await card.getByRole('button', { name: 'Cancel appointment' }).click();
  await card.getByText('Appointment cancelled.').waitFor();
  await card.getByText('cancelled', { exact: true }).waitFor();
  await card.getByText(/Cancelled by the patient.*Feeling better/).waitFor();
  row = appointmentsOf(me.id)[0];
  assert.equal(row.status, 'cancelled');
  assert.equal(await card.getByRole('button', { name: 'Cancel…' }).count(), 0, 'no more actions');
  assertClean(problems, 'reschedule and cancel');
});

test('the doctor sees bookings in the agenda, marks an outcome and cancels with a reason', async () => {
  const d = await approvedDoctor('Dr Agenda Silva', 'Agendology', { time_zone: 'Europe/Lisbon', slot_minutes: 30, weekly: ALL_DAY });
  const p = await patientAccount('Duarte Pires');
  const later = await laterSlots(d);
  const a1 = await call('POST', '/api/v1/appointments', { token: p.token, body: { doctor_id: d.id, start: later[0].start, reason: 'Knee pain' } });
  const a2 = await call('POST', '/api/v1/appointments', { token: p.token, body: { doctor_id: d.id, start: later[4].start, reason: 'Second visit' } });
  assert.equal(a1.status, 201, a1.text);
  assert.equal(a2.status, 201, a2.text);
  // One that started ten minutes ago (time passes behind the server's back, as in the API suite).
  const a3 = await call('POST', '/api/v1/appointments', { token: p.token, body: { doctor_id: d.id, start: later[8].start, reason: 'Started already' } });
  assert.equal(a3.status, 201, a3.text);
  const t = Date.now() - 10 * MIN;
  sqlExec(server, `UPDATE appointments SET start_at = ${t}, end_at = ${t + 30 * MIN} WHERE id = ${a3.json.id}`);

  const { page, problems } = await fresh();
  await signIn(page, d.email);
  await page.getByRole('link', { name: 'Agenda' }).first().click();
  await heading(page, 'Agenda').waitFor();
  const upcoming = page.getByRole('list', { name: 'Upcoming appointments' });
  await upcoming.getByText('Knee pain').waitFor();
  await upcoming.getByText('Patient: Duarte Pires').first().waitFor();
  await checkA11y(page, 'agenda');
  await screenshot(page, 'doctor-agenda');

  const started = page.getByRole('listitem').filter({ hasText: 'Started already' });
  await started.getByRole('button', { name: 'Mark completed' }).click();
  await started.getByText('Marked as completed.').waitFor();
  assert.equal(sql(server, `SELECT status FROM appointments WHERE id = ${a3.json.id}`)[0].status, 'completed');

  const knee = upcoming.getByRole('listitem').filter({ hasText: 'Knee pain' });
  await knee.getByRole('button', { name: 'Cancel…' }).click();
  await knee.getByRole('button', { name: 'Cancel appointment' }).click();
  await knee.locator('.field__error').waitFor();   // a doctor must give a reason
  await knee.getByLabel('Reason for cancelling').fill('Called away to an emergency');
  await knee.getByRole('button', { name: 'Cancel appointment' }).click();
  await knee.getByText('Appointment cancelled.').waitFor();
  await knee.getByText(/Cancelled by the doctor.*Called away to an emergency/).waitFor();
  const cancelled = await call('GET', `/api/v1/appointments/${a1.json.id}`, { token: p.token });
  assert.equal(cancelled.json.status, 'cancelled');
  assert.equal(cancelled.json.cancelled_by, 'doctor');
  assert.equal(cancelled.json.cancel_reason, 'Called away to an emergency');

  // The detail page (mails link there) for the doctor.
  await page.goto(`/appointments/${a2.json.id}`);
  await heading(page, 'Appointment with Duarte Pires').waitFor();
  await page.getByText('Second visit').waitFor();
  await checkA11y(page, 'appointment detail (doctor)');
  // Someone else's appointment is not shown.
  const stranger = await patientAccount('Eve Stranger');
  const sp = await fresh();
  await signIn(sp.page, stranger.email);
  await sp.page.goto(`/appointments/${a2.json.id}`);
  await sp.page.getByText('This appointment is not one of yours.').waitFor();
  assertClean(problems, 'agenda');
  assertClean(sp.problems, 'stranger');
});

test('the doctor edits the hours and is warned about bookings left outside', async () => {
  const d = await approvedDoctor('Dr Hours Nunes', 'Hourology', null);
  const { page, problems } = await fresh();
  await signIn(page, d.email);
  await page.getByRole('link', { name: 'Your hours' }).click();
  await heading(page, 'Your hours').waitFor();
  await page.getByText('You have not published hours yet').waitFor();
  assert.equal(await page.getByLabel('Time zone').inputValue(), 'Europe/Lisbon', 'defaults to the browser\'s zone');
  await page.getByLabel('Slot length').selectOption('20');
  await page.getByRole('button', { name: 'Add hours on Monday' }).click();
  await page.getByLabel('Monday from').fill('09:00');
  await page.getByLabel('Monday until').fill('12:00');
  await page.getByRole('button', { name: 'Add hours on Tuesday' }).click();
  await page.getByLabel('Tuesday from').fill('14:00');
  await page.getByLabel('Tuesday until').fill('17:00');
  // An overlapping second interval on Monday is refused next to it.
  await page.getByRole('button', { name: 'Add hours on Monday' }).click();
  await page.getByLabel('Monday from (2)').fill('11:00');
  await page.getByLabel('Monday until (2)').fill('13:00');
  await page.getByRole('button', { name: 'Save hours' }).click();
  const monday = page.getByRole('group', { name: 'Monday' });
  await monday.locator('.field__error').waitFor();
  await checkA11y(page, 'hours with an error');
  await page.getByRole('button', { name: /Remove Monday 11:00/ }).click();
  await page.getByRole('button', { name: 'Save hours' }).click();
  await page.getByText('Hours saved.').waitFor();
  let got = await call('GET', '/api/v1/doctor/availability', { token: d.token });
  assert.equal(got.json.time_zone, 'Europe/Lisbon');
  assert.equal(got.json.slot_minutes, 20);
  assert.deepEqual(got.json.weekly, [{ weekday: 1, start: '09:00', end: '12:00' }, { weekday: 2, start: '14:00', end: '17:00' }]);
  await checkA11y(page, 'hours');
  await screenshot(page, 'doctor-hours');

  // A patient books Monday 09:00; taking Monday off leaves it outside, and the doctor is told.
  const p = await patientAccount('Filipa Rocha');
  const monSlot = (await laterSlots(d)).find((s) => new Date(s.local_start.slice(0, 10) + 'T00:00:00Z').getUTCDay() === 1);
  assert.ok(monSlot?.local_start.includes('T09:00'), JSON.stringify(monSlot));
  const b = await call('POST', '/api/v1/appointments', { token: p.token, body: { doctor_id: d.id, start: monSlot.start } });
  assert.equal(b.status, 201, b.text);
  await page.getByRole('button', { name: /Remove Monday 09:00/ }).click();
  await page.getByRole('button', { name: 'Save hours' }).click();
  const warning = page.locator('.hours .outside-hours');
  await warning.getByText('One booked appointment is now outside your hours.').waitFor();
  await warning.getByRole('link', { name: /Filipa Rocha/ }).waitFor();
  got = await call('GET', '/api/v1/doctor/availability', { token: d.token });
  assert.deepEqual(got.json.weekly, [{ weekday: 2, start: '14:00', end: '17:00' }]);
  assert.equal(sql(server, `SELECT status FROM appointments WHERE id = ${b.json.id}`)[0].status, 'booked', 'kept');

  // Exceptions: a day off is added and removed.
  const day = new Date(Date.now() + 20 * DAY).toISOString().slice(0, 10);
  await page.getByLabel('Date').fill(day);
  await page.getByLabel('Kind').selectOption('off');
  await page.getByLabel('Note (optional)').fill('Conference');
  await page.getByRole('button', { name: 'Add exception' }).click();
  const item = page.locator('.exceptions__item').filter({ hasText: 'Conference' });
  await item.waitFor();
  got = await call('GET', '/api/v1/doctor/availability', { token: d.token });
  assert.deepEqual(got.json.exceptions.map((x) => [x.date, x.kind, x.note]), [[day, 'off', 'Conference']]);
  await checkA11y(page, 'hours with an exception');
  await item.getByRole('button', { name: /^Remove/ }).click();
  await page.getByText('No exceptions.').waitFor();
  got = await call('GET', '/api/v1/doctor/availability', { token: d.token });
  assert.equal(got.json.exceptions.length, 0);

  // The patient side: the warning links to the appointment, which the doctor can open.
  await warning.getByRole('link', { name: /Filipa Rocha/ }).click();
  await heading(page, 'Appointment with Filipa Rocha').waitFor();
  assertClean(problems, 'hours');
});

test('a doctor without hours shows an empty week; a patient sets the time zone in the profile', async () => {
  const d = await approvedDoctor('Dr No Hours', 'Emptiology', null);
  const me = await patientAccount('Gil Torres');
  const { page, problems } = await fresh();
  await page.goto(`/doctors/${d.id}`);
  await heading(page, 'Dr No Hours').waitFor();
  await page.getByText('Dr No Hours has not published their hours yet').waitFor();
  await page.getByRole('link', { name: 'Log in' }).first().waitFor();
  await checkA11y(page, 'doctor without hours');
  await signIn(page, me.email);
  await page.goto('/profile');
  await heading(page, 'Your profile').waitFor();
  assert.equal(await page.getByLabel('Time zone').inputValue(), 'UTC');
  await page.getByLabel('Time zone').selectOption('Asia/Tokyo');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('Saved.').waitFor();
  assert.equal(sql(server, `SELECT time_zone FROM patients WHERE user_id = ${me.id}`)[0].time_zone, 'Asia/Tokyo');
  assertClean(problems, 'no hours / profile');
});
