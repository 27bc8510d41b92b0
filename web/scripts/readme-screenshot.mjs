// Regenerates docs/web-dashboard.png (the README's screenshot) from a running medcore with the
// demo data: `node web/scripts/readme-screenshot.mjs http://127.0.0.1:8080 var/demo-credentials.txt`.
// Also prints how long the first page takes to become usable with a warm browser.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../e2e/harness.mjs';

const [base = 'http://127.0.0.1:8080', credsFile = 'var/demo-credentials.txt'] = process.argv.slice(2);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const creds = fs.readFileSync(credsFile, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/\s+/));
const account = (role) => creds.find((c) => c[0] === role);

const browser = await launchBrowser();
try {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 }, timezoneId: 'Europe/Lisbon', locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto('/'); // warm up
  const times = [];
  for (let i = 0; i < 5; i++) {
    await page.goto('/login');
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    // Milliseconds from the start of navigation to the app's 'medcore:usable' mark (see main.tsx).
    times.push(Math.round(await page.evaluate(() => performance.getEntriesByName('medcore:usable')[0]?.startTime ?? NaN)));
  }
  times.sort((a, b) => a - b);
  console.log(`first page usable (navigation start → session known and page rendered), warm browser: median ${times[2]} ms, max ${times[4]} ms`);

  const [, email, password] = account(process.env.ROLE || 'admin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((u) => u.pathname === '/dashboard');
  await page.getByRole('heading', { level: 1 }).waitFor();
  await page.locator('.loading').waitFor({ state: 'detached' }).catch(() => {});
  const out = process.env.OUT ? path.resolve(process.env.OUT) : path.join(repo, 'docs', 'web-dashboard.png');
  await page.screenshot({ path: out, fullPage: false });
  console.log('wrote', out);
} finally {
  await browser.close();
}
