// The command line: version, help, migrate, seed --demo, admin create.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { prepareEnv, runCli, startServer, api, login, count, uniqueEmail, REPO_ROOT } from './harness.mjs';

const envs = [];
async function env() {
  const e = await prepareEnv();
  envs.push(e);
  return e;
}
const servers = [];
after(async () => {
  for (const s of servers) await s.stop();
  for (const e of envs) await e.dropDatabase();
});

// Pulls (email, password) pairs out of the credentials file, whatever its exact layout:
// one account per line, the password being the next token after the email that is not a role word.
function parseCredentials(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    const m = /([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})/.exec(line);
    if (!m) continue;
    const rest = line.slice(m.index + m[0].length);
    const tokens = rest.split(/[\s|,;:]+|\/\s/).map((t) => t.trim()).filter(Boolean);
    const pw = tokens.find((t) => t.length >= 10) || rest.replace(/^[\s|,;:/]+/, '').split(/\s{2,}|\t|\s\|\s/)[0]?.trim();
    const role = /\badmin/i.test(line) ? 'admin' : /\bdoctor|\bdr\b/i.test(line) ? 'doctor' : /\bpatient/i.test(line) ? 'patient' : null;
    out.push({ email: m[1], password: pw, role, line });
  }
  return out;
}

describe('cli', () => {
  it('medcore version prints the version and exits 0', async () => {
    const e = await env();
    const r = await e.cli(['version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /medcore\s+\d+\.\d+\.\d+/);
  });

  it('medcore --help and serve --help exit 0 and describe the commands', async () => {
    const e = await env();
    const r = await e.cli(['--help']);
    assert.equal(r.code, 0, r.stderr);
    for (const c of ['serve', 'migrate', 'seed', 'admin', 'version']) assert.match(r.stdout, new RegExp(`\\b${c}\\b`), `--help mentions ${c}`);
    const s = await e.cli(['serve', '--help']);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /--listen/);
  });

  it('an unknown command or a bad setting fails with a non-zero exit', async () => {
    const e = await env();
    const r = await e.cli(['no-such-command']);
    assert.notEqual(r.code, 0);
    const bad = (await runCli({ ...e.env, MEDCORE_WORKERS: 'lots' }, ['migrate'])).code;
    assert.notEqual(bad, 0, 'MEDCORE_WORKERS=lots is refused');
  });

  it('migrate twice is fine', async () => {
    const e = await env();
    const a = await e.cli(['migrate']);
    assert.equal(a.code, 0, a.stderr);
    const b = await e.cli(['migrate']);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(count(e, 'users'), 0);
  });

  it('admin create: password on stdin works; short password and duplicate email fail', async () => {
    const e = await env();
    const email = uniqueEmail('cliadmin');
    const ok = await e.cli(['admin', 'create', '--email', email, '--name', 'Cli Admin'], { input: 'a long admin password\n' });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(count(e, 'users'), 1);
    const short = await e.cli(['admin', 'create', '--email', uniqueEmail('cliadmin'), '--name', 'Short Pw'], { input: 'short\n' });
    assert.notEqual(short.code, 0);
    assert.ok(short.stderr.length > 0, 'says why');
    const dup = await e.cli(['admin', 'create', '--email', email.toUpperCase(), '--name', 'Dup'], { input: 'a long admin password\n' });
    assert.notEqual(dup.code, 0);
    const empty = await e.cli(['admin', 'create', '--email', uniqueEmail('cliadmin'), '--name', 'No Pw'], { input: '' });
    assert.notEqual(empty.code, 0);
    const badEmail = await e.cli(['admin', 'create', '--email', 'not-an-email', '--name', 'Bad'], { input: 'a long admin password\n' });
    assert.notEqual(badEmail.code, 0);
    assert.equal(count(e, 'users'), 1, 'only the first admin exists');
    const s = await startServer({ ctx: e });
    servers.push(s);
    const a = await login(s, email, 'a long admin password');
    assert.equal(a.user.role, 'admin');
    assert.equal(a.user.name, 'Cli Admin');
    const list = await api(s, 'GET', '/api/v1/admin/doctors?status=pending', { session: a });
    assert.equal(list.status, 200);
  });

  it('seed --demo creates working demo accounts and says so; a second run seeds nothing', async () => {
    const e = await env();
    const r = await e.cli(['seed', '--demo']);
    assert.equal(r.code, 0, r.stderr);
    const file = path.join(e.varDir, 'demo-credentials.txt');
    assert.ok(fs.existsSync(file), 'var/demo-credentials.txt written');
    const text = fs.readFileSync(file, 'utf8');
    const creds = parseCredentials(text);
    assert.ok(creds.length >= 4, `accounts in the file:\n${text}`);
    const users = count(e, 'users');
    assert.equal(users, creds.length, 'every account is listed');
    const s = await startServer({ ctx: e });
    servers.push(s);
    const roles = { admin: 0, doctor: 0, patient: 0 };
    const doctorStatus = [];
    for (const c of creds) {
      const l = await login(s, c.email, c.password, { expect: null });
      assert.equal(l.res.status, 200, `demo account logs in: ${c.line}`);
      roles[l.user.role] += 1;
      if (l.user.role === 'doctor') doctorStatus.push(l.user.doctor.status);
    }
    assert.ok(roles.admin >= 1, 'an admin');
    assert.ok(roles.patient >= 1, 'a patient');
    assert.ok(roles.doctor >= 2, 'doctors');
    assert.equal(doctorStatus.filter((x) => x === 'pending').length, 1, `exactly one pending doctor: ${doctorStatus}`);
    assert.equal(doctorStatus.filter((x) => x === 'approved').length, doctorStatus.length - 1, 'the rest approved');
    const dir = await api(s, 'GET', '/api/v1/doctors?limit=100');
    assert.equal(dir.json.items.length, roles.doctor - 1);
    // second run: nothing new, and it says so
    const again = await e.cli(['seed', '--demo']);
    // A second run is not an error (a deploy script may seed every time): exit 0, and it says why.
    assert.equal(again.code, 0, `exit ${again.code}: ${again.stderr}`);
    assert.match(again.stdout, /Users exist already; demo accounts not created/);
    assert.equal(count(e, 'users'), users);
  });
});

// The settings are declared once (src/platform/core/config.cpp); the README's table is that
// declaration's Markdown, so the two cannot drift apart unnoticed.
describe('config --list', () => {
  const bare = { PATH: process.env.PATH };  // no MEDCORE_* from the caller

  it("README's settings table is exactly what `medcore config --list --format markdown` prints", async () => {
    const r = await runCli(bare, ['config', '--list', '--format', 'markdown']);
    assert.equal(r.code, 0, r.stderr);
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const m = /<!-- settings: begin[^\n]*-->\n([\s\S]*?)<!-- settings: end -->/.exec(readme);
    assert.ok(m, 'README.md has the settings: begin / end markers');
    assert.equal(m[1], r.stdout, 'paste the output of `medcore config --list --format markdown` between the markers');
  });

  it('lists every setting with its default and allowed values, and is what the parser enforces', async () => {
    const r = await runCli(bare, ['config', '--list']);
    assert.equal(r.code, 0, r.stderr);
    const row = (name) => r.stdout.split('\n').find((l) => l.startsWith(name + ' '));
    assert.match(row('MEDCORE_BOOKING_HORIZON_DAYS') ?? '', /\b60\s+1–366\s+appointments$/);
    assert.match(row('MEDCORE_MAIL_TRANSPORT') ?? '', /\bfile\s+file, smtp or sendgrid\s+notify$/);
    assert.match(row('MEDCORE_WORKERS') ?? '', /--workers\s+0 = max\(4, 2 × cores\)\s+0–1024\s+http$/);
    // The range the list shows is the one a start is held to.
    const e = await env();
    const over = await runCli({ ...e.env, MEDCORE_BOOKING_HORIZON_DAYS: '367' }, ['migrate']);
    assert.equal(over.code, 2);
    assert.match(over.stderr, /MEDCORE_BOOKING_HORIZON_DAYS must be a whole number between 1 and 366/);
    const edge = await runCli({ ...e.env, MEDCORE_BOOKING_HORIZON_DAYS: '366' }, ['migrate']);
    assert.equal(edge.code, 0, edge.stderr);
    const choice = await runCli({ ...e.env, MEDCORE_MAIL_TRANSPORT: 'pigeon' }, ['migrate']);
    assert.equal(choice.code, 2);
    assert.match(choice.stderr, /MEDCORE_MAIL_TRANSPORT must be file, smtp or sendgrid/);
  });

  it('refuses an unknown format', async () => {
    const r = await runCli(bare, ['config', '--list', '--format', 'html']);
    assert.notEqual(r.code, 0);
  });
});
