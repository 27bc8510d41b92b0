// The health page (/health) in a real browser against a real medcore (SQLite): a patient enters
// readings on the phone-friendly form (numeric keyboards, unit switch, remembered values, field
// errors in the form's words, the urgent message), sees both charts with their category bands and
// the data tables, imports a CSV (preview with per-row errors, then the accepted rows), edits and
// deletes a reading, and gets advice (or "not available yet" from a server without the route). A
// doctor who treats the patient sees the same charts on the patient's page. axe-core on every page;
// screenshots at 1280 and 390 px; no console errors or CSP violations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  apiAccount, apiCall, checkA11y, createAdmin, launchBrowser, newContext, screenshot, signIn, sql, startServer,
} from './harness.mjs';

const DAY = 24 * 60 * 60_000;
const ALL_DAY = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));

let server;
let browser;
let admin;
const opened = [];
const call = (method, path, options) => apiCall(server, method, path, options);

before(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  const a = await createAdmin(server);
  const l = await call('POST', '/api/v1/auth/login', { body: { email: a.email, password: a.password, bearer: true } });
  assert.equal(l.status, 200, l.text);
  admin = { ...a, token: l.json.token };
});

after(async () => {
  for (const c of opened) await c.context.close().catch(() => {});
  await browser?.close().catch(() => {});
  await server?.stop();
});

async function fresh(options) {
  const c = await newContext(browser, server, options);
  opened.push(c);
  return c;
}

const heading = (page, name) => page.getByRole('heading', { level: 1, name, exact: true });

/** Three weeks of blood pressure through the API, rising, twice a day. */
async function history(patient) {
  for (let d = 20; d >= 1; d--) {
    for (const hour of [7, 19]) {
      const at = new Date(Date.now() - d * DAY);
      at.setUTCHours(hour, 0, 0, 0);
      const systolic = 118 + Math.round((20 - d) * 1.2) + (hour === 19 ? 3 : 0);
      const r = await call('POST', '/api/v1/health/readings', {
        token: patient.token, body: { kind: 'blood_pressure', systolic, diastolic: 76 + Math.round((20 - d) * 0.4), pulse: 70, measured_at: at.toISOString() },
      });
      assert.equal(r.status, 201, r.text);
    }
  }
}

test('a patient enters readings, sees both charts with categories, imports a CSV, edits and deletes', async () => {
  const ana = await apiAccount(server, { role: 'patient', name: 'Ana Lima', date_of_birth: '1968-03-09', sex: 'female' });
  await history(ana);
  const { page, problems } = await fresh();
  await signIn(page, ana.email);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Health' }).click();
  await heading(page, 'Health').waitFor();

  // The entry form: numeric keyboards; a stage-1 reading is saved with its category.
  const systolic = page.getByLabel('Upper (systolic), mmHg');
  assert.equal(await systolic.getAttribute('inputmode'), 'numeric');
  await systolic.fill('134');
  await page.getByLabel('Lower (diastolic), mmHg').fill('84');
  await page.getByRole('button', { name: 'Add reading', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Saved: 134/84 mmHg' }).filter({ hasText: 'High, stage 1' }).waitFor();

  // A crisis reading: the fixed urgent message, prominently (an alert).
  await systolic.fill('190');
  await page.getByLabel('Lower (diastolic), mmHg').fill('100');
  await page.getByRole('button', { name: 'Add reading', exact: true }).click();
  const urgent = page.locator('.health-urgent[role="alert"]');
  await urgent.waitFor();
  assert.match(await urgent.innerText(), /emergency|911|112/i);

  // Both charts, drawn, with the data tables behind them.
  const line = page.getByRole('img', { name: /^Line chart: blood pressure over the last 30 days/ });
  const bar = page.getByRole('img', { name: /^Bar chart: weekly averages of blood pressure/ });
  await line.waitFor();
  await bar.waitFor();
  for (const canvas of [line, bar]) {
    const drawn = await canvas.evaluate((c) => {
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) return true;
      return false;
    });
    assert.ok(drawn, 'the chart is drawn');
  }
  await page.getByText('Show the readings as a table').click();
  const table = page.getByRole('table', { name: /blood pressure over the last 30 days/ });
  await table.waitFor();
  const rows = table.locator('tbody tr');
  assert.equal(await rows.count(), 42, '40 readings of history and the two entered');
  assert.match(await rows.last().innerText(), /190\/100 mmHg.*Very high \(crisis\)/s);
  assert.match(await page.locator('.health-stats').innerText(), /Home average, last 7 days/);
  await page.getByRole('button', { name: '7 days', exact: true }).click();
  await page.getByRole('img', { name: /^Line chart: blood pressure over the last 7 days/ }).waitFor();

  await checkA11y(page, 'health page (blood pressure)');
  await screenshot(page, 'health-1280');

  // Glucose in mmol/L: the unit switch converts what was typed; an implausible value is refused in the form's words.
  await page.getByRole('group', { name: 'What to show' }).getByRole('button', { name: 'Blood sugar' }).click();
  const glucose = page.getByLabel('Blood sugar', { exact: true });
  assert.equal(await glucose.getAttribute('inputmode'), 'decimal');
  await glucose.fill('99');
  await page.getByLabel('Unit').selectOption('mmol_l');
  assert.equal(await glucose.inputValue(), '5.5');
  await glucose.fill('70');
  await page.getByLabel('When').selectOption('fasting');
  await page.getByRole('button', { name: 'Add reading', exact: true }).click();
  await page.locator('.field__error').filter({ hasText: 'Must be between 0.56 and 55.5 mmol/L' }).waitFor();
  await glucose.fill('5.4');
  await page.getByRole('button', { name: 'Add reading', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Saved: 5.4 mmol/L, fasting' }).filter({ hasText: 'Normal' }).waitFor();

  // Last values remembered: a reload brings back the unit and the value.
  await page.reload();
  await heading(page, 'Health').waitFor();
  await page.getByRole('group', { name: 'What to show' }).getByRole('button', { name: 'Blood sugar' }).click();
  assert.equal(await page.getByLabel('Blood sugar', { exact: true }).inputValue(), '5.4');
  assert.equal(await page.getByLabel('Unit').inputValue(), 'mmol_l');

  // CSV import: a preview with the bad row's error, then the accepted rows.
  await page.getByRole('group', { name: 'What to show' }).getByRole('button', { name: 'Heart rate' }).click();
  const day = (n) => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);
  const csv = [
    'measured_at,kind,value,unit,systolic,diastolic,pulse,context,note',
    `${day(3)}T08:00:00Z,heart_rate,64,per_min,,,,,`,
    `${day(2)}T08:00:00Z,heart_rate,5,per_min,,,,,`,
    `${day(1)}T08:00:00Z,heart_rate,104,per_min,,,,,`,
  ].join('\n');
  await page.getByLabel(/Add readings from a file/).setInputFiles({ name: 'monitor.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  const preview = page.getByRole('table', { name: /monitor\.csv: 2 of 3 lines ready to add/ });
  await preview.waitFor();
  assert.match(await preview.locator('tbody tr').nth(1).innerText(), /Has a problem[\s\S]*value: must be between 20 and 300/);
  assert.equal(await page.getByRole('checkbox', { name: 'Add line 3' }).isDisabled(), true);
  await checkA11y(page, 'health page (import preview)');
  await page.getByRole('button', { name: 'Add 2 readings' }).click();
  await page.getByRole('status').filter({ hasText: 'Added 2 readings.' }).waitFor();
  const list = page.locator('.health-list');
  await list.getByText('104 beats a minute', { exact: false }).or(list.getByText('104 /min')).first().waitFor();
  assert.equal(await list.locator('.health-list__item').count(), 2);
  assert.match(await list.innerText(), /High[\s\S]*Normal/);

  // Edit the newest reading, then delete it (after confirming).
  await list.getByRole('button', { name: /^Edit the reading of / }).first().click();
  const edit = page.locator('.health-list .health-entry');
  await edit.getByLabel('Heart rate', { exact: true }).fill('96');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await list.locator('.health-list__item').first().filter({ hasText: 'Normal' }).waitFor();
  assert.match(await list.locator('.health-list__item').first().innerText(), /96/);
  page.once('dialog', (d) => void d.accept());
  await list.getByRole('button', { name: /^Delete the reading of / }).first().click();
  await page.waitForFunction(() => document.querySelectorAll('.health-list .health-list__item').length === 1);
  const left = await call('GET', '/api/v1/health/readings?kind=heart_rate', { token: ana.token });
  assert.deepEqual(left.json.items.map((r) => r.value), [64]);

  // Phone width.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('group', { name: 'What to show' }).getByRole('button', { name: 'Blood pressure' }).click();
  await page.getByRole('img', { name: /^Line chart: blood pressure/ }).waitFor();
  await checkA11y(page, 'health page (390 px)');
  await screenshot(page, 'health-390');
  assert.deepEqual(problems, []);
});

test('advice: suggestions with their reasons, or "not available yet" from a server without the route', async () => {
  const bo = await apiAccount(server, { role: 'patient', name: 'Bo Sousa', date_of_birth: '1975-06-01', sex: 'male' });
  await history(bo);
  const probe = await call('GET', '/api/v1/health/advice', { token: bo.token });
  const { page, problems } = await fresh();
  await signIn(page, bo.email);
  await page.goto('/health');
  await heading(page, 'Health').waitFor();
  if (probe.status === 404) {
    await page.getByText('Advice is not available yet.').waitFor();
  } else {
    assert.equal(probe.status, 200, probe.text);
    await page.getByRole('button', { name: 'Get suggestions' }).click();
    const advice = page.locator('.advice').first();
    await advice.waitFor();
    await advice.getByText('Why?').first().click();
    assert.match(await advice.innerText(), /Based on /);
    assert.match(await advice.innerText(), /Answered by /);
    await advice.locator('.disclaimer').waitFor();
    await checkA11y(page, 'health page (advice)');
  }
  assert.deepEqual(problems.filter((p) => !/status of 404/.test(p)), []);
});

test('a treating doctor sees the patient’s charts; the page is audited', async () => {
  const doctor = await apiAccount(server, {
    role: 'doctor', name: 'Dr Helena Costa', specialty: 'Cardiology', licence_number: 'MC-' + Math.floor(Math.random() * 1e6), years_experience: 12, consultation_fee_cents: 7000,
  });
  assert.equal((await call('POST', `/api/v1/admin/doctors/${doctor.id}/approve`, { token: admin.token })).status, 200);
  const h = await call('PUT', '/api/v1/doctor/availability', { token: doctor.token, body: { time_zone: 'UTC', slot_minutes: 30, weekly: ALL_DAY } });
  assert.equal(h.status, 200, h.text);
  const cy = await apiAccount(server, { role: 'patient', name: 'Cy Pereira', date_of_birth: '1959-11-20', sex: 'male' });
  await history(cy);
  const slots = await call('GET', `/api/v1/doctors/${doctor.id}/slots?from=${new Date(Date.now() + 8 * DAY).toISOString()}`);
  const booked = await call('POST', '/api/v1/appointments', { token: cy.token, body: { doctor_id: doctor.id, start: slots.json.slots[2].start } });
  assert.equal(booked.status, 201, booked.text);

  const { page, problems } = await fresh();
  await signIn(page, doctor.email);
  await page.goto(`/patients/${cy.id}`);
  await heading(page, 'Health record of Cy Pereira').waitFor();
  await page.getByRole('img', { name: /^Line chart: Cy Pereira's blood pressure over the last 30 days/ }).waitFor();
  await page.getByRole('img', { name: /^Bar chart: weekly averages of Cy Pereira's blood pressure/ }).waitFor();
  await page.getByRole('button', { name: '90 days' }).click();
  await page.getByRole('img', { name: /over the last 90 days/ }).first().waitFor();
  await page.getByText('Show the readings as a table').click();
  assert.equal(await page.getByRole('table', { name: /Cy Pereira's blood pressure over the last 90 days/ }).locator('tbody tr').count(), 40);
  await checkA11y(page, 'patient health record with charts (doctor)');
  await screenshot(page, 'health-doctor-1280');
  const viewed = sql(server, `SELECT count(*) AS n FROM audit_log WHERE actor_user_id = ${doctor.id} AND action = 'health.readings_viewed'`);
  assert.ok(Number(viewed[0].n) >= 2, 'each series the doctor opened is in the audit log');
  assert.deepEqual(problems, []);
});
