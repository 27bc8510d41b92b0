// Chat in two browser contexts against a real medcore (SQLite): a patient (forced to long-polling)
// starts a chat from a doctor's page; the doctor (WebSocket) sees the unread badge in the list,
// opens the conversation; both see typing, the messages live, and the sender's ticks go to "Read".
// Markup in a message is shown as text. axe-core on the chat pages; no console errors or CSP
// violations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { apiAccount, apiCall, checkA11y, createAdmin, launchBrowser, newContext, screenshot, startServer, signIn } from './harness.mjs';

let server;
let browser;
let admin;
const opened = [];

const call = (method, path, options) => apiCall(server, method, path, options);
const account = (body) => apiAccount(server, body);

before(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  const a = await createAdmin(server, { name: 'Morgan Reyes' });
  const l = await call('POST', '/api/v1/auth/login', { body: { email: a.email, password: a.password, bearer: true } });
  admin = { ...a, token: l.json.token };
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


test('patient and doctor chat: start from the profile, unread badge, typing, messages, read receipts', async () => {
  const doctor = await account({ role: 'doctor', name: 'Dr Ines Duarte', specialty: 'Cardiology', licence_number: 'MC-77', years_experience: 8, consultation_fee_cents: 5000 });
  assert.equal((await call('POST', `/api/v1/admin/doctors/${doctor.id}/approve`, { token: admin.token })).status, 200);
  const patient = await account({ role: 'patient', name: 'Paulo Sousa', date_of_birth: '1980-02-03', sex: 'male' });

  // The patient's browser is forced onto long-polling (what a poor network falls back to).
  const p = await fresh();
  await p.context.addInitScript(() => localStorage.setItem('medcore.chat.transport', 'polling'));
  // HTTP requests show the polls; a WebSocket is never an HTTP request event, so it is watched
  // on its own: the patient must open none.
  const pollingRequests = [];
  const patientSockets = [];
  p.page.on('request', (r) => { if (r.url().includes('/socket.io/')) pollingRequests.push(r.url()); });
  p.page.on('websocket', (ws) => { if (ws.url().includes('/socket.io/')) patientSockets.push(ws.url()); });
  await signIn(p.page, patient.email);
  await p.page.goto(`/doctors/${doctor.id}`);
  await p.page.getByRole('button', { name: 'Start a chat' }).click();
  await p.page.getByRole('heading', { level: 1, name: 'Chat with Dr Ines Duarte' }).waitFor();
  await p.page.getByLabel('Message', { exact: true }).fill('Hello doctor, a question about my results.');
  await p.page.getByRole('button', { name: 'Send' }).click();
  const mine = p.page.locator('.chat__msg--mine').filter({ hasText: 'Hello doctor' });
  await mine.locator('[data-tick="sent"]').waitFor();

  // The doctor sees the conversation with one unread message, opens it.
  const d = await fresh();
  const doctorSockets = [];
  d.page.on('websocket', (ws) => { if (ws.url().includes('/socket.io/')) doctorSockets.push(ws.url()); });
  await signIn(d.page, doctor.email);
  await d.page.getByRole('link', { name: 'Messages' }).click();
  await d.page.getByRole('heading', { level: 1, name: 'Messages' }).waitFor();
  const row = d.page.locator('.chat-list__link').filter({ hasText: 'Paulo Sousa' });
  await row.getByLabel('1 unread').waitFor();
  await checkA11y(d.page, 'conversation list');
  await row.click();
  await d.page.getByRole('heading', { level: 1, name: 'Chat with Paulo Sousa' }).waitFor();
  await d.page.getByText('Hello doctor, a question about my results.').waitFor();

  // Opening it marks it read: the patient's tick turns to "Read".
  await mine.locator('[data-tick="read"]').waitFor();

  // The doctor types: the patient sees the indicator; then the message arrives live.
  await d.page.getByLabel('Message', { exact: true }).fill('Of course');
  await p.page.getByText('Dr Ines Duarte is typing…').waitFor();
  await d.page.getByLabel('Message', { exact: true }).fill('Of course — <b>what</b> would you like to know?');
  await d.page.getByRole('button', { name: 'Send' }).click();
  const answer = p.page.locator('.chat__msg').filter({ hasText: 'what' });
  await answer.waitFor();
  assert.equal(await answer.locator('.chat__text').textContent(), 'Of course — <b>what</b> would you like to know?');
  assert.equal(await answer.locator('b').count(), 0, 'markup is shown as text, never rendered');
  await p.page.getByText('Dr Ines Duarte is typing…').waitFor({ state: 'detached' });
  // The patient has the page open: the doctor's message is read, and the doctor sees it.
  await d.page.locator('.chat__msg--mine').filter({ hasText: 'what' }).locator('[data-tick="read"]').waitFor();

  // The patient answers; the doctor sees it live.
  await p.page.getByLabel('Message', { exact: true }).fill('Thank you!');
  await p.page.getByRole('button', { name: 'Send' }).click();
  await d.page.locator('.chat__msg').filter({ hasText: 'Thank you!' }).waitFor();

  await checkA11y(p.page, 'chat (patient)');
  await checkA11y(d.page, 'chat (doctor)');
  await screenshot(p.page, 'chat-patient');
  await screenshot(d.page, 'chat-doctor');
  assert.ok(pollingRequests.length > 0 && pollingRequests.every((u) => u.includes('transport=polling')), `the patient polled: ${pollingRequests.slice(0, 3)}`);
  assert.deepEqual(patientSockets, [], 'the patient opened no WebSocket');
  assert.ok(doctorSockets.length > 0, 'the doctor upgraded to a WebSocket');
  assert.deepEqual(p.problems, [], 'patient page: no console errors or CSP violations');
  assert.deepEqual(d.problems, [], 'doctor page: no console errors or CSP violations');
});

test('history scroll-back loads earlier messages', async () => {
  const doctor = await account({ role: 'doctor', name: 'Dr Long History', specialty: 'Cardiology', licence_number: 'MC-78', years_experience: 8, consultation_fee_cents: 5000 });
  assert.equal((await call('POST', `/api/v1/admin/doctors/${doctor.id}/approve`, { token: admin.token })).status, 200);
  const patient = await account({ role: 'patient', name: 'Rita Long', date_of_birth: '1980-02-03', sex: 'female' });
  const c = await call('POST', '/api/v1/conversations', { token: patient.token, body: { doctor_id: doctor.id } });
  for (let i = 1; i <= 35; i++) {
    const r = await call('POST', `/api/v1/conversations/${c.json.id}/messages`, { token: patient.token, body: { text: `note ${i}`, client_message_id: `n${i}` } });
    assert.equal(r.status, 201, r.text);
  }
  const p = await fresh();
  await signIn(p.page, patient.email);
  await p.page.goto(`/chat/${c.json.id}`);
  await p.page.getByText('note 35', { exact: true }).waitFor();
  assert.equal(await p.page.getByText('note 1', { exact: true }).count(), 0);
  await p.page.getByRole('button', { name: 'Load earlier messages' }).click();
  await p.page.getByText('note 1', { exact: true }).waitFor();
  assert.equal(await p.page.locator('.chat__msg').count(), 35);
  assert.equal(await p.page.getByRole('button', { name: 'Load earlier messages' }).count(), 0);
  assert.deepEqual(p.problems, []);
});

test('a doctor messages a patient from their appointment', async () => {
  const doctor = await account({ role: 'doctor', name: 'Dr Agenda Chat', specialty: 'Cardiology', licence_number: 'MC-79', years_experience: 8, consultation_fee_cents: 5000 });
  assert.equal((await call('POST', `/api/v1/admin/doctors/${doctor.id}/approve`, { token: admin.token })).status, 200);
  const weekly = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));
  assert.equal((await call('PUT', '/api/v1/doctor/availability', { token: doctor.token, body: { time_zone: 'UTC', slot_minutes: 30, weekly } })).status, 200);
  const patient = await account({ role: 'patient', name: 'Tiago Booked', date_of_birth: '1980-02-03', sex: 'male' });
  const start = new Date(Math.ceil((Date.now() + 3 * 86_400_000) / 1_800_000) * 1_800_000).toISOString();
  const b = await call('POST', '/api/v1/appointments', { token: patient.token, body: { doctor_id: doctor.id, start } });
  assert.equal(b.status, 201, b.text);
  const d = await fresh();
  await signIn(d.page, doctor.email);
  await d.page.goto(`/appointments/${b.json.id}`);
  await d.page.getByRole('button', { name: 'Message Tiago Booked' }).click();
  await d.page.getByRole('heading', { level: 1, name: 'Chat with Tiago Booked' }).waitFor();
  await d.page.getByLabel('Message', { exact: true }).fill('Please bring your latest blood test.');
  await d.page.getByRole('button', { name: 'Send' }).click();
  await d.page.locator('.chat__msg--mine [data-tick="sent"]').waitFor();
  assert.deepEqual(d.problems, []);
});

test('email alerts can be switched off from the settings page the mails link to', async () => {
  const patient = await account({ role: 'patient', name: 'Sara Quiet', date_of_birth: '1980-02-03', sex: 'female' });
  const p = await fresh();
  await signIn(p.page, patient.email);
  await p.page.goto('/profile');
  await p.page.getByRole('link', { name: 'Email alerts' }).click();
  await p.page.getByRole('heading', { level: 1, name: 'Email alerts' }).waitFor();
  const chat = p.page.getByLabel(/New chat messages/);
  assert.equal(await chat.isChecked(), true);
  await chat.uncheck();
  await p.page.getByText('Saved.').waitFor();
  const prefs = await call('GET', '/api/v1/me/notifications', { token: patient.token });
  assert.deepEqual(prefs.json, { reminders: true, chat: false });
  await checkA11y(p.page, 'email alerts');
  assert.deepEqual(p.problems, []);
});
