// Risk checks in a real browser against a real medcore (SQLite): the form is built from the model
// cards (units, ranges, help), age is pre-filled from the date of birth, a value out of range is
// shown next to its field, the result shows the gauge, the factors and the disclaimer, and the
// history chart grows. Runs under the app's strict CSP with axe-core on every page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  PASSWORD, checkA11y, launchBrowser, newContext, screenshot, sql, startServer, uniqueEmail,
} from './harness.mjs';

let server;
let browser;
const opened = [];

before(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
});

after(async () => {
  for (const c of opened) await c.context.close().catch(() => {});
  await browser?.close().catch(() => {});
  await server?.stop();
});

const heading = (page, name) => page.getByRole('heading', { level: 1, name });

function ageOn(dob, now = new Date()) {
  const [y, m, d] = dob.split('-').map(Number);
  let age = now.getUTCFullYear() - y;
  if (now.getUTCMonth() + 1 < m || (now.getUTCMonth() + 1 === m && now.getUTCDate() < d)) age -= 1;
  return age;
}

test('a patient checks their diabetes risk: pre-filled age, field errors, result, history chart', async () => {
  const c = await newContext(browser, server);
  opened.push(c);
  const { page, problems } = c;
  const email = uniqueEmail('patient');
  const dob = '1980-04-01';
  await page.goto('/signup');
  await page.getByLabel('Patient').check();
  await page.getByLabel('Full name').fill('Rosa Diaz');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Phone').fill('+351 912 345 678');
  await page.getByLabel('Date of birth').fill(dob);
  await page.getByLabel('Sex').selectOption('female');
  await page.getByRole('button', { name: 'Create account' }).click();
  await heading(page, 'Welcome, Rosa').waitFor();

  await page.getByRole('link', { name: 'Risk checks' }).first().click();
  await heading(page, 'Risk checks').waitFor();
  await page.getByText('No results yet').waitFor();
  await checkA11y(page, 'risk checks');

  await page.getByRole('link', { name: /Type 2 diabetes/ }).click();
  await heading(page, /Type 2 diabetes/).waitFor();
  // Labels, units, ranges and help text come from the model card.
  const glucose = page.getByLabel('Glucose (mg/dL)');
  await glucose.waitFor();
  assert.equal(await glucose.getAttribute('min'), '40');
  assert.equal(await glucose.getAttribute('max'), '400');
  const glucoseHint = await page.locator(`[id="${(await glucose.getAttribute('aria-describedby')).split(' ')[0]}"]`).innerText();
  assert.match(glucoseHint, /oral glucose tolerance test/);
  assert.match(glucoseHint, /Allowed: 40–400 mg\/dL/);
  const age = page.getByLabel('Age (years)');
  assert.equal(await age.inputValue(), String(ageOn(dob)));
  assert.match(await page.locator(`[id="${(await age.getAttribute('aria-describedby')).split(' ')[0]}"]`).innerText(), /from your date of birth/);
  await page.getByText('does not record health statistics yet').waitFor();
  await checkA11y(page, 'diabetes form');

  // Out of range: the server's 422 lands under the field, with the allowed range, and nothing is stored.
  await page.getByLabel('Number of pregnancies').fill('2');
  await glucose.fill('900');
  await page.getByLabel('BMI (kg/m²)').fill('38.2');
  await page.getByLabel(/Diabetes pedigree/).fill('0.6');
  await page.getByRole('button', { name: 'Estimate my risk' }).click();
  await page.locator('.field--invalid').filter({ has: glucose }).waitFor();
  assert.equal(await glucose.getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('.field--invalid .field__error').first().innerText(), /Must be within 40–400 mg\/dL/);
  assert.equal(Number(sql(server, 'SELECT count(*) AS n FROM predictions')[0].n), 0);

  await glucose.fill('168');
  await page.getByRole('button', { name: 'Estimate my risk' }).click();
  const result = page.getByRole('heading', { level: 2, name: /Your estimate: \d+(\.\d)?%/ });
  await result.waitFor();
  await page.getByRole('img', { name: /Estimated risk \d+(\.\d)?%, in the (low|moderate|high) band/ }).waitFor();
  await page.getByText('glucose 168 mg/dL raised the estimate the most').waitFor();
  await page.getByText(/not a diagnosis/).waitFor();
  await page.getByText(/confidence/).first().waitFor();
  await page.getByRole('img', { name: /results over time: 1 result/ }).waitFor();
  assert.equal(Number(sql(server, 'SELECT count(*) AS n FROM predictions')[0].n), 1);
  await checkA11y(page, 'diabetes result');
  await screenshot(page, 'prediction-diabetes-result');

  // A second check: the history chart draws a line through both.
  await glucose.fill('95');
  await page.getByRole('button', { name: 'Estimate my risk' }).click();
  await page.getByRole('img', { name: /results over time: 2 results/ }).waitFor();
  assert.equal(await page.locator('.history-chart__line').count(), 1);
  assert.equal(await page.locator('table.table tbody tr').count(), 2);

  // The overview lists both, newest first; on a phone the form stacks and stays usable.
  await page.getByRole('link', { name: 'Risk checks' }).first().click();
  await heading(page, 'Risk checks').waitFor();
  // The history loads after the heading renders: wait for its rows before counting them.
  await page.locator('table.table tbody tr').nth(1).waitFor();
  assert.equal(await page.locator('table.table tbody tr').count(), 2);
  await page.setViewportSize({ width: 375, height: 780 });
  await page.goto('/predictions/stroke');
  await heading(page, /Stroke/).waitFor();
  assert.equal(await page.getByLabel('Gender').inputValue(), 'Female');
  await checkA11y(page, 'stroke form (phone)');
  await screenshot(page, 'prediction-stroke-form-phone');
  assert.deepEqual(problems, [], 'the pages logged errors or CSP violations');
});

test('risk checks are for patients only', async () => {
  const c = await newContext(browser, server);
  opened.push(c);
  const { page } = c;
  await page.goto('/predictions');
  await heading(page, 'Log in').waitFor();
  assert.match(page.url(), /\/login\?next=%2Fpredictions/);
});
