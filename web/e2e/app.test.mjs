// The web app in a real browser against a real medcore (SQLite): sign-up, login, doctor review,
// password reset, role guards, session expiry, accessibility (axe-core) and screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  PASSWORD, checkA11y, createAdmin, launchBrowser, newContext, resetLinkFor, screenshot, sql, sqlExec, startServer, uniqueEmail,
} from './harness.mjs';

let server;
let browser;
let admin;
const opened = [];

before(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  admin = await createAdmin(server, { name: 'Morgan Reyes' });
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

async function login(page, email, password = PASSWORD) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

async function signupPatient(page, { name = 'Ana Lima', email = uniqueEmail('patient'), password = PASSWORD } = {}) {
  await page.goto('/signup');
  await page.getByLabel('Patient').check();
  await page.getByLabel('Full name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Phone').fill('+351 912 345 678');
  await page.getByLabel('Date of birth').fill('1990-04-01');
  await page.getByLabel('Sex').selectOption('female');
  await page.getByRole('button', { name: 'Create account' }).click();
  return { name, email, password };
}

function assertClean(problems, label) {
  assert.deepEqual(problems, [], `${label}: the page logged errors or CSP violations`);
}

// Page speed is measured by bench/web-pages.mjs (numbers in bench/README.md), not asserted here:
// a time limit on a shared machine fails for the machine's load, not for the app.
test('public pages render under the CSP and pass axe', async () => {
  const { page, problems } = await fresh();
  await page.goto('/');
  await heading(page, 'Care that fits your day').waitFor();
  // The first Tab on a fresh page reaches the skip link.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to main content');
  await checkA11y(page, 'landing');
  for (const [path, title] of [
    ['/login', 'Log in'],
    ['/signup', 'Create your account'],
    ['/forgot-password', 'Reset your password'],
    ['/reset-password?token=x', 'Choose a new password'],
    ['/doctors', 'Find a doctor'],
    ['/no/such/page', 'Page not found'],
  ]) {
    await page.goto(path);
    await heading(page, title).waitFor();
    await checkA11y(page, path);
  }
  // 'medcore:usable' is marked by the app once the session is known and the page rendered (the
  // benchmark reads it): a full load must reach it.
  await page.goto('/login');
  await heading(page, 'Log in').waitFor();
  await page.waitForFunction(() => performance.getEntriesByName('medcore:usable').length === 1);
  // The doctor form of sign-up too.
  await page.goto('/signup?role=doctor');
  await page.getByLabel('Licence number').waitFor();
  await checkA11y(page, '/signup (doctor)');
  assertClean(problems, 'public pages');
});

test('patient signs up, sees field errors from the server, logs out and logs in', async () => {
  const { page, problems } = await fresh();
  // A 422 from the server lands next to the right field.
  await signupPatient(page, { password: 'short' });
  const pw = page.getByLabel('Password');
  await assert.doesNotReject(page.locator('.field--invalid').filter({ has: pw }).waitFor());
  assert.equal(await pw.getAttribute('aria-invalid'), 'true');
  const described = await pw.getAttribute('aria-describedby');
  assert.match(await page.locator(`[id="${described.split(' ').pop()}"]`).innerText(), /\S/);

  const p = await signupPatient(page, { name: 'Ana Lima' });
  await heading(page, 'Welcome, Ana').waitFor();
  assert.equal(new URL(page.url()).pathname, '/dashboard');
  await page.getByRole('button', { name: 'Log out' }).click();
  await heading(page, 'Log in').waitFor();

  await login(page, p.email);
  await heading(page, 'Welcome, Ana').waitFor();
  await page.getByRole('link', { name: 'Find a doctor' }).first().waitFor();
  await checkA11y(page, 'patient dashboard');
  await screenshot(page, 'patient-dashboard');

  await page.getByRole('link', { name: 'Profile', exact: true }).click();
  await heading(page, 'Your profile').waitFor();
  await checkA11y(page, 'profile');
  await page.getByLabel('Phone').fill('+351 911 111 111');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('Saved.').waitFor();
  const rows = sql(server, `SELECT phone FROM users WHERE email = '${p.email}'`);
  assert.equal(rows[0].phone, '+351 911 111 111');

  // Phone width: the menu collapses behind a button and still works by keyboard.
  await page.setViewportSize({ width: 375, height: 780 });
  await page.goto('/dashboard');
  await heading(page, 'Welcome, Ana').waitFor();
  const menu = page.getByRole('button', { name: 'Menu' });
  await menu.focus();
  await page.keyboard.press('Enter');
  assert.equal(await menu.getAttribute('aria-expanded'), 'true');
  await page.getByRole('link', { name: 'Find a doctor' }).first().waitFor({ state: 'visible' });
  await checkA11y(page, 'patient dashboard (phone)');
  await screenshot(page, 'patient-dashboard-phone');
  assertClean(problems, 'patient');
});

test('a patient cannot open an admin page', async () => {
  const { page, problems } = await fresh();
  await signupPatient(page, { name: 'Mei Chen' });
  await heading(page, 'Welcome, Mei').waitFor();
  for (const path of ['/admin', '/admin/doctors', '/admin/audit']) {
    await page.goto(path);
    await heading(page, 'Not allowed').waitFor();
    assert.equal(await page.getByRole('link', { name: 'Audit log' }).count(), 0, `${path}: no admin navigation`);
  }
  await checkA11y(page, 'not allowed');
  // The API agrees: the page's own session gets 403 from an admin route.
  const status = await page.evaluate(async () => (await fetch('/api/v1/admin/doctors')).status);
  assert.equal(status, 403);
  assertClean(problems, 'patient on admin pages');
});

test('doctor signs up, waits for approval, admin approves, doctor sees the dashboard', async () => {
  const doc = await fresh();
  const email = uniqueEmail('doctor');
  await doc.page.goto('/signup');
  await doc.page.getByLabel('Doctor').check();
  await doc.page.getByLabel('Full name').fill('Dr Rui Costa');
  await doc.page.getByLabel('Email').fill(email);
  await doc.page.getByLabel('Password').fill(PASSWORD);
  await doc.page.getByLabel('Phone').fill('+351 913 000 111');
  await doc.page.getByLabel('Specialty').fill('Cardiology');
  await doc.page.getByLabel('Licence number').fill('MC-1234');
  await doc.page.getByLabel('Years of experience').fill('12');
  await doc.page.getByLabel('Consultation fee').fill('45.00');
  await doc.page.getByLabel('About you (optional)').fill('Heart specialist.');
  await doc.page.getByRole('button', { name: 'Create account' }).click();
  await heading(doc.page, 'Awaiting approval').waitFor();
  await doc.page.getByText('awaiting approval by an administrator').waitFor();
  await checkA11y(doc.page, 'doctor pending');
  await screenshot(doc.page, 'doctor-pending');

  const adm = await fresh();
  await login(adm.page, admin.email);
  await heading(adm.page, 'Administration').waitFor();
  const card = adm.page.getByRole('listitem').filter({ has: adm.page.getByRole('heading', { name: 'Dr Rui Costa' }) });
  await card.waitFor();
  await checkA11y(adm.page, 'admin dashboard');
  await screenshot(adm.page, 'admin-dashboard');
  await card.getByRole('button', { name: /Approve/ }).click();
  await adm.page.getByText('Dr Rui Costa approved.').waitFor();

  await doc.page.getByRole('button', { name: 'Check again' }).click();
  await heading(doc.page, 'Welcome, Dr Rui Costa').waitFor();
  await doc.page.getByText('Your doctor dashboard.').waitFor();
  await checkA11y(doc.page, 'doctor dashboard');
  await screenshot(doc.page, 'doctor-dashboard');

  // The directory now lists the doctor, found by specialty.
  await doc.page.goto('/doctors?specialty=Cardiology');
  await doc.page.getByRole('link', { name: 'Dr Rui Costa', exact: true }).waitFor();

  // Admin: doctors by status, suspend with a reason (a too-short reason is refused next to the field).
  await adm.page.getByRole('link', { name: 'Doctors', exact: true }).first().click();
  await heading(adm.page, 'Doctors').waitFor();
  const row = adm.page.getByRole('listitem').filter({ has: adm.page.getByRole('heading', { name: 'Dr Rui Costa' }) });
  await row.getByRole('button', { name: /Suspend/ }).click();
  const reason = row.getByLabel(/Reason/);
  await reason.fill('no');
  await row.getByRole('button', { name: 'Suspend', exact: true }).click();
  await row.locator('.field__error').waitFor();
  await reason.fill('Licence under review by the medical board.');
  await row.getByRole('button', { name: 'Suspend', exact: true }).click();
  await adm.page.getByText('Dr Rui Costa suspended.').waitFor();
  await checkA11y(adm.page, 'admin doctors');

  await doc.page.goto('/dashboard');
  await heading(doc.page, 'Account suspended').waitFor();
  await doc.page.getByText('Licence under review by the medical board.').waitFor();

  // A second applicant (signed up through the API in its own browser context) is rejected with a reason.
  const doc2 = await fresh();
  const r = await doc2.context.request.post('/api/v1/auth/signup', {
    data: {
      role: 'doctor', name: 'Dr Ines Sousa', email: uniqueEmail('doctor'), password: PASSWORD, phone: '+351 913 222 333',
      specialty: 'Dermatology', licence_number: 'MC-777', years_experience: 4, consultation_fee_cents: 3000,
    },
  });
  assert.equal(r.status(), 201, await r.text());
  await adm.page.getByRole('link', { name: 'Dashboard' }).click();
  await heading(adm.page, 'Administration').waitFor();
  const pending = adm.page.getByRole('listitem').filter({ has: adm.page.getByRole('heading', { name: 'Dr Ines Sousa' }) });
  await pending.getByRole('button', { name: /Reject/ }).click();
  await pending.getByLabel(/Reason/).fill('The licence number does not match the register.');
  await pending.getByRole('button', { name: 'Reject', exact: true }).click();
  await adm.page.getByText('Dr Ines Sousa rejected.').waitFor();
  await pending.getByText('rejected', { exact: true }).waitFor();
  await doc2.page.goto('/dashboard');
  await heading(doc2.page, 'Application not approved').waitFor();
  await doc2.page.getByText('The licence number does not match the register.').waitFor();
  await checkA11y(doc2.page, 'doctor rejected');

  await adm.page.getByRole('link', { name: 'Audit log' }).first().click();
  await heading(adm.page, 'Audit log').waitFor();
  await adm.page.getByRole('table').waitFor();
  await checkA11y(adm.page, 'audit log');
  await screenshot(adm.page, 'admin-audit');
  assertClean(doc.problems, 'doctor');
  assertClean(doc2.problems, 'rejected doctor');
  assertClean(adm.problems, 'admin');
});

test('password reset end to end', async () => {
  const { page, problems } = await fresh();
  const p = await signupPatient(page, { name: 'James O\'Connor' });
  await heading(page, 'Welcome, James').waitFor();
  await page.getByRole('button', { name: 'Log out' }).click();
  await heading(page, 'Log in').waitFor();

  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await heading(page, 'Reset your password').waitFor();
  await page.getByLabel('Email').fill(p.email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await page.getByText(`If an account exists for ${p.email}`).waitFor();

  const { link, file } = await resetLinkFor(server, p.email);
  const u = new URL(link);
  assert.equal(u.pathname, '/reset-password', `link in ${file}: ${link}`);
  await page.goto(u.pathname + u.search);
  await heading(page, 'Choose a new password').waitFor();
  await checkA11y(page, 'reset password');
  const fresh1 = 'a brand new passphrase';
  await page.getByLabel('New password', { exact: true }).fill(fresh1);
  await page.getByLabel('Repeat the new password').fill(fresh1);
  await page.getByRole('button', { name: 'Save new password' }).click();
  await page.getByText('Your password was changed').waitFor();

  await login(page, p.email, PASSWORD);
  await page.getByRole('alert').getByText(/./).first().waitFor();
  assert.equal(new URL(page.url()).pathname, '/login', 'the old password no longer works');
  await login(page, p.email, fresh1);
  await heading(page, 'Welcome, James').waitFor();

  // The link works once.
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.goto(u.pathname + u.search);
  await page.getByLabel('New password', { exact: true }).fill('yet another passphrase');
  await page.getByLabel('Repeat the new password').fill('yet another passphrase');
  await page.getByRole('button', { name: 'Save new password' }).click();
  await page.locator('.alert--error').waitFor();
  assertClean(problems, 'password reset');
});

test('admin outbox viewer lists the mail', async () => {
  const { page, problems } = await fresh();
  await login(page, admin.email);
  await heading(page, 'Administration').waitFor();
  const status = await page.evaluate(async () => (await fetch('/api/v1/admin/outbox?limit=1')).status);
  assert.equal(status, 200, 'GET /api/v1/admin/outbox for an admin');
  const menuLink = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Outbox' });
  await menuLink.click();
  await heading(page, 'Outbox').waitFor();
  // The password-reset mail of the previous test is there.
  await page.getByRole('cell', { name: 'password_reset' }).first().waitFor();
  await checkA11y(page, 'outbox');
  await screenshot(page, 'admin-outbox');
  assertClean(problems, 'outbox');
});

test('an expired session sends you to login and back where you were', async () => {
  const { page, problems } = await fresh();
  const p = await signupPatient(page, { name: 'Lena Park' });
  await heading(page, 'Welcome, Lena').waitFor();
  await page.goto('/profile');
  await heading(page, 'Your profile').waitFor();
  // The server forgets the session (as after the idle timeout).
  sqlExec(server, `DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE email = '${p.email}')`);
  await page.getByLabel('Full name').fill('Lena Park-Silva');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await heading(page, 'Log in').waitFor();
  assert.equal(new URL(page.url()).searchParams.get('next'), '/profile');
  await page.getByText('Please log in to continue').waitFor();
  await page.getByLabel('Email').fill(p.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await heading(page, 'Your profile').waitFor();
  assert.equal(new URL(page.url()).pathname, '/profile');

  // Deep link while signed out: login first (by keyboard alone), then the page asked for.
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.goto('/profile');
  await heading(page, 'Log in').waitFor();
  // The client-side redirect moved focus to the new page's heading; Tab goes on into the form.
  assert.equal(await page.evaluate(() => document.activeElement?.tagName + ':' + document.activeElement?.textContent), 'H1:Log in');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'email');
  await page.keyboard.type(p.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await heading(page, 'Your profile').waitFor();
  assertClean(problems, 'session expiry');
});

test('hashed assets are cacheable; index.html is not', async () => {
  const res = await fetch(server.url + '/doctors');
  const html = await res.text();
  assert.equal(res.status, 200);
  assert.match(res.headers.get('cache-control') || '', /no-cache/);
  assert.match(res.headers.get('content-security-policy') || '', /script-src 'self'/);
  const js = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  assert.ok(js, 'index.html references a hashed bundle');
  const a = await fetch(server.url + js);
  await a.arrayBuffer();
  assert.match(a.headers.get('cache-control') || '', /max-age=31536000/);
});
