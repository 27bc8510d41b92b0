// Skin check in a real browser against a real medcore (SQLite) and its real skin lesion model:
// the client refuses a file that is not a JPEG/PNG/WebP photo or is over 10 MB before uploading;
// a ".jpg" that is not an image goes to the server and its problem `detail` is shown; a real
// HAM10000 photo is uploaded as raw bytes (Content-Type image/jpeg, X-CSRF-Token) and the page
// shows exactly what the API answered (urgency, uncertainty, predicted class and confidence, all
// seven classes as labelled bars, care advice, disclaimer); the history lists it with its
// thumbnail and links to its own page. Strict CSP, axe-core on every page, also at phone width.
//
// The photos come from ../shared/datasets/skin_lesions_ham10000/images_200x150/ (relative to the
// repository root; MEDCORE_HAM10000_IMAGES overrides). Without them the upload test is skipped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  PASSWORD, checkA11y, ham10000Images, launchBrowser, newContext, pickImage, screenshot, startServer, uniqueEmail,
} from './harness.mjs';

const CLASSES = ['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc'];
const percent = (p) => `${Math.round(p * 1000) / 10}%`; // as percent() in src/lib/format.ts

const IMAGES = ham10000Images();

/** Width and height from a JPEG's SOFn segment. */
function jpegSize(buf) {
  let i = 2;
  while (i + 9 < buf.length) {
    if (buf[i] !== 0xff) { i += 1; continue; }
    const marker = buf[i + 1];
    const len = buf.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { width: buf.readUInt16BE(i + 7), height: buf.readUInt16BE(i + 5) };
    }
    i += 2 + len;
  }
  throw new Error('no SOF segment in the JPEG');
}

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

const heading = (page, name) => page.getByRole('heading', { level: 1, name, exact: typeof name === 'string' });
const isUpload = (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/skin/analyses';

async function signUpPatient(page, name) {
  await page.goto('/signup');
  await page.getByLabel('Patient').check();
  await page.getByLabel('Full name').fill(name);
  await page.getByLabel('Email').fill(uniqueEmail('patient'));
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Phone').fill('+351 912 345 678');
  await page.getByLabel('Date of birth').fill('1975-06-15');
  await page.getByLabel('Sex').selectOption('male');
  await page.getByRole('button', { name: 'Create account' }).click();
  await heading(page, `Welcome, ${name.split(' ')[0]}`).waitFor();
}

test('a patient checks a skin lesion photo: client checks, server problem detail, result, history, detail page', { skip: IMAGES ? false : 'HAM10000 images not found (../shared/datasets/skin_lesions_ham10000/images_200x150 or MEDCORE_HAM10000_IMAGES)' }, async () => {
  const c = await newContext(browser, server);
  opened.push(c);
  const { page, problems } = c;
  await signUpPatient(page, 'Tomas Reis');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Skin check' }).click();
  await heading(page, 'Skin check').waitFor();
  await page.getByText('No checks yet').waitFor();
  const file = page.getByLabel('Choose a photo');
  assert.equal(await file.getAttribute('accept'), 'image/jpeg,image/png,image/webp');
  assert.equal(await page.locator('input[type="file"][capture="environment"]').count(), 1, 'a camera input for phones');
  const analyse = page.getByRole('button', { name: 'Analyse' });
  assert.equal(await analyse.isDisabled(), true, 'nothing to analyse yet');
  await checkA11y(page, 'skin check (empty)');

  // Refused in the browser, before any upload: another type, and over 10 MB.
  let uploads = 0;
  page.on('request', (r) => { if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/skin/analyses') uploads += 1; });
  await file.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a photo\n') });
  await page.getByRole('alert').filter({ hasText: 'Choose a JPEG, PNG or WebP photo' }).waitFor();
  assert.equal(await analyse.isDisabled(), true);
  await file.setInputFiles({ name: 'huge.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(10 * 1024 * 1024 + 1, 0xff) });
  await page.getByRole('alert').filter({ hasText: 'at most 10 MB' }).waitFor();
  assert.equal(await analyse.isDisabled(), true);
  assert.equal(uploads, 0, 'nothing was uploaded');

  // A ".jpg" that is not an image: the server refuses it (422 not-an-image) and its detail is shown.
  await file.setInputFiles({ name: 'lesion.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('this is plain text, not a JPEG\n'.repeat(20)) });
  await analyse.waitFor({ state: 'visible' });
  assert.equal(await analyse.isDisabled(), false);
  const [bad] = await Promise.all([page.waitForResponse(isUpload, { timeout: 30_000 }), analyse.click()]);
  assert.equal(bad.status(), 422);
  const problem = await bad.json();
  assert.equal(problem.type, 'urn:medcore:problem:not-an-image');
  assert.ok(problem.detail, 'the problem has a detail');
  await page.getByRole('alert').filter({ hasText: problem.detail }).waitFor();
  assert.equal(uploads, 1);
  await page.getByText('No checks yet').waitFor();

  // A real HAM10000 photo: preview, then the upload as raw bytes with its own Content-Type.
  const photo = pickImage(IMAGES);
  const bytes = fs.readFileSync(photo);
  await file.setInputFiles(photo);
  const preview = page.getByRole('img', { name: `Preview of ${path.basename(photo)}` });
  await preview.waitFor();
  assert.match(await preview.getAttribute('src'), /^blob:/, 'the preview is an object URL');
  assert.ok(await preview.evaluate((img) => img.complete && img.naturalWidth > 0), 'the preview decoded');
  const [res] = await Promise.all([page.waitForResponse(isUpload, { timeout: 120_000 }), analyse.click()]);
  const req = res.request();
  assert.equal(res.status(), 201);
  const headers = await req.allHeaders();
  assert.equal(headers['content-type'], 'image/jpeg');
  assert.ok(headers['x-csrf-token'], 'the CSRF token is sent');
  // (DevTools does not expose a fetch Blob body; the decoded size below shows the server got the bytes.)
  // DevTools may already have dropped the response body from its cache: then read the stored analysis.
  const a = await res.json().catch(() => page.evaluate(async () => (await (await fetch('/api/v1/skin/analyses?limit=1')).json()).items[0]));
  assert.ok(CLASSES.includes(a.prediction.class));
  assert.deepEqual(Object.keys(a.probabilities).sort(), [...CLASSES].sort());
  assert.ok(['prompt', 'soon', 'routine'].includes(a.urgency.level));
  assert.deepEqual(a.image, { ...jpegSize(bytes), format: 'jpeg' }, 'the server decoded the file as sent');

  // The page shows what the API answered.
  const result = page.getByRole('region', { name: 'Your result', exact: true });
  await result.waitFor();
  const banner = result.locator(`.urgency--${a.urgency.level}`);
  await banner.getByText(a.urgency.title, { exact: true }).waitFor();
  await banner.getByText(a.urgency.advice, { exact: true }).waitFor();
  assert.equal(await banner.getAttribute('role'), a.urgency.level === 'prompt' ? 'alert' : 'status');
  assert.equal(await result.getByText('Uncertain — see a dermatologist').count(), a.uncertain ? 1 : 0, 'uncertainty shown exactly when the API says so');
  const best = result.locator('.skin-prediction');
  assert.match(await best.innerText(), new RegExp(`${a.prediction.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*${percent(a.confidence).replace('.', '\\.')} confidence`));
  const bars = result.getByRole('list', { name: 'All seven kinds' }).getByRole('listitem');
  assert.equal(await bars.count(), 7);
  const texts = await bars.allInnerTexts();
  const shown = Object.entries(a.probabilities).sort((x, y) => y[1] - x[1]).map(([, p]) => percent(p));
  assert.deepEqual(texts.map((t) => t.trim().split(/\s+/).pop()), shown, 'every class with its value as text, most probable first');
  assert.match(texts[0], new RegExp(a.prediction.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.equal(await result.locator('.prob-list__bar').count(), 7);
  await result.getByText(a.care.summary, { exact: true }).waitFor();
  assert.equal(await result.locator('.care-steps li').count(), a.care.steps.length);
  await result.getByText(a.disclaimer, { exact: true }).waitFor();
  assert.ok(await result.getByText(a.disclaimer, { exact: true }).isVisible(), 'the disclaimer is visible next to the result');
  await checkA11y(page, 'skin result');
  await screenshot(page, 'skin-result');

  // The history: thumbnail (a real JPEG of at most 256 px), date, class, confidence, urgency chip.
  const item = page.locator('.skin-history__item').first();
  await item.waitFor();
  assert.equal(await page.locator('.skin-history__item').count(), 1);
  const thumb = item.getByRole('img', { name: /^Your photo from / });
  assert.equal(await thumb.getAttribute('src'), a.thumbnail_url);
  await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await thumb.elementHandle(), { timeout: 15_000 });
  const size = await thumb.evaluate((img) => [img.naturalWidth, img.naturalHeight]);
  assert.ok(Math.max(...size) <= 256, `thumbnail ${size.join('×')} is at most 256 px`);
  assert.match(await item.innerText(), new RegExp(percent(a.confidence).replace('.', '\\.')));
  await item.locator(`.badge--urgency-${a.urgency.level}`).waitFor();

  // Its own page renders the same result view.
  await item.getByRole('link').click();
  await heading(page, 'Skin check result').waitFor();
  assert.match(new URL(page.url()).pathname, new RegExp(`^/skin/${a.id}$`));
  const detail = page.getByRole('region', { name: 'Result', exact: true });
  await detail.locator(`.urgency--${a.urgency.level}`).getByText(a.urgency.title, { exact: true }).waitFor();
  assert.equal(await detail.getByRole('list', { name: 'All seven kinds' }).getByRole('listitem').count(), 7);
  await detail.getByText(a.disclaimer, { exact: true }).waitFor();
  await page.getByRole('img', { name: /^The photo analysed on / }).waitFor();
  await checkA11y(page, 'skin detail');

  // Phone width: the page stacks and stays accessible.
  await page.setViewportSize({ width: 375, height: 780 });
  await page.getByRole('link', { name: 'Back to your skin checks' }).click();
  await heading(page, 'Skin check').waitFor();
  await page.locator('.skin-history__item').first().waitFor();
  await checkA11y(page, 'skin check (phone)');
  await screenshot(page, 'skin-check-phone');
  assert.deepEqual(problems, [], 'the pages logged errors or CSP violations');
});

test('the skin check is for signed-in patients only', async () => {
  const c = await newContext(browser, server);
  opened.push(c);
  const { page } = c;
  await page.goto('/skin');
  await heading(page, 'Log in').waitFor();
  assert.match(page.url(), /\/login\?next=%2Fskin/);
});
