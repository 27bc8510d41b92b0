// Page speed of the web app in headless Chromium against a real `medcore serve` (fresh SQLite,
// the built web/dist): how long the first page takes to become usable. Reported, never asserted —
// the e2e suite checks behaviour; a time limit there failed for the machine's load, not the app.
//
//   scripts/build-web.sh && node bench/web-pages.mjs      (BENCH_PAGE_LOADS, default 15)
//
// Each figure is navigation start to the app's 'medcore:usable' performance mark (web/src/main.tsx:
// the session is known and the page rendered). cold: a new browser context's first load of /
// (nothing cached); warm: repeated loads of /login and /doctors in one context.
import os from 'node:os';
import { launchBrowser, startServer } from '../web/e2e/harness.mjs';

const LOADS = Number(process.env.BENCH_PAGE_LOADS || 15);

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const row = (name, xs) => `| ${name} | ${xs.length} | ${percentile(xs, 50)} ms | ${percentile(xs, 95)} ms | ${Math.max(...xs)} ms |`;

const server = await startServer();
const browser = await launchBrowser();
try {
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' / ');
  const cold = [];
  for (let i = 0; i < LOADS; i++) {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    await page.goto('/');
    await page.getByRole('heading', { level: 1, name: 'Care that fits your day' }).waitFor();
    await page.waitForFunction(() => performance.getEntriesByName('medcore:usable').length === 1);
    cold.push(Math.round(await page.evaluate(() => performance.getEntriesByName('medcore:usable')[0].startTime)));
    await context.close();
  }
  const context = await browser.newContext({ baseURL: server.url });
  const page = await context.newPage();
  await page.goto('/'); // warm: the hashed bundle is cached from here on
  const usable = {};
  for (const path of ['/login', '/doctors']) {
    usable[path] = [];
    for (let i = 0; i < LOADS; i++) {
      await page.goto(path);
      await page.waitForFunction(() => performance.getEntriesByName('medcore:usable').length === 1);
      usable[path].push(Math.round(await page.evaluate(() => performance.getEntriesByName('medcore:usable')[0].startTime)));
    }
  }
  await context.close();
  console.log(`load average before the run (1 / 5 / 15 min): ${load}; ${os.cpus().length} cores`);
  console.log('| page | loads | p50 | p95 | max |');
  console.log('| --- | --- | --- | --- | --- |');
  console.log(row('/ cold (new context), to usable', cold));
  for (const [path, xs] of Object.entries(usable)) console.log(row(`${path} warm, to usable`, xs));
} finally {
  await browser.close();
  await server.stop();
}
