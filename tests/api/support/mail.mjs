// Helpers for the mail tests: an SMTP sink on loopback, .eml parsing, waiting.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from '../harness.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

// Starts tests/api/support/smtp_sink.py (Debian's python3-aiosmtpd, hence /usr/bin/python3).
// opts: {refuseRcpt, refuseData, rejectRcpt}. Resolves {port, dir, stop(), messages()}.
export async function startSmtpSink(dir, { refuseRcpt = 0, refuseData = 0, rejectRcpt = 0 } = {}) {
  fs.mkdirSync(dir, { recursive: true });
  const child = spawn('/usr/bin/python3', [path.join(HERE, 'smtp_sink.py'), '--dir', dir,
    '--refuse-rcpt', String(refuseRcpt), '--refuse-data', String(refuseData),
    '--reject-rcpt-permanent', String(rejectRcpt)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const port = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`smtp sink did not start: ${err}`)), 20_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) { clearTimeout(t); resolve(Number(m[1])); }
    });
    child.on('exit', (code) => { clearTimeout(t); reject(new Error(`smtp sink exited ${code}: ${err}`)); });
  });
  const exited = new Promise((r) => child.on('exit', r));
  return {
    port, dir,
    messages: () => readEmlDir(dir),
    async stop() { child.kill('SIGTERM'); await Promise.race([exited, sleep(3000)]); child.kill('SIGKILL'); },
  };
}

// Every *.eml in a directory (sorted by name), parsed.
export function readEmlDir(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.eml')).sort()
    .map((f) => ({ file: f, ...parseEml(fs.readFileSync(path.join(dir, f), 'utf8')) }));
}

function parseHeaders(block) {
  const headers = {};
  const unfolded = block.replace(/\r\n[ \t]/g, ' ');
  for (const line of unfolded.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}

export function decodeQP(s) {
  const bytes = [];
  const soft = s.replace(/=\r\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === '=' && /^[0-9A-F]{2}$/.test(soft.slice(i + 1, i + 3))) { bytes.push(parseInt(soft.slice(i + 1, i + 3), 16)); i += 2; }
    else bytes.push(...Buffer.from(soft[i], 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

// RFC 2047 "B" encoded words → text.
export function decodeWords(s) {
  return s.replace(/=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=\s*/gi, (_, b) => Buffer.from(b, 'base64').toString('utf8')).trim();
}

// {raw, headers, subject, parts: [{type, headers, body}]} for a multipart/alternative message.
export function parseEml(raw) {
  const end = raw.indexOf('\r\n\r\n');
  const headers = parseHeaders(raw.slice(0, end));
  const body = raw.slice(end + 4);
  const parts = [];
  const m = /boundary="([^"]+)"/.exec(headers['content-type'] || '');
  if (m) {
    const chunks = body.split('--' + m[1]);
    for (const c of chunks.slice(1)) {
      if (c.startsWith('--')) break;
      const pe = c.indexOf('\r\n\r\n');
      const ph = parseHeaders(c.slice(2, pe));
      let pb = c.slice(pe + 4).replace(/\r\n$/, '');
      if ((ph['content-transfer-encoding'] || '').toLowerCase() === 'quoted-printable') pb = decodeQP(pb);
      else if ((ph['content-transfer-encoding'] || '').toLowerCase() === 'base64') pb = Buffer.from(pb, 'base64').toString('utf8');
      parts.push({ type: (ph['content-type'] || '').split(';')[0], headers: ph, body: pb });
    }
  }
  return { raw, headers, subject: decodeWords(headers.subject || ''), parts };
}

// Polls fn() until it returns a truthy value; throws with `what` after timeoutMs.
export async function waitFor(fn, what, timeoutMs = 20_000, everyMs = 50) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

// Asserts the common shape of a delivered mail: headers and both parts.
export function checkMail(assert, mail, { to, messageId, subject }) {
  const h = mail.headers;
  assert.equal(h['message-id'], messageId, 'Message-ID');
  assert.match(h.date, /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/, 'Date');
  assert.ok(Math.abs(Date.parse(h.date) - Date.now()) < 10 * 60_000, 'Date is now');
  assert.match(h.from, /<no-reply@medcore\.example>$/, 'From');
  assert.equal(h.to, to, 'To');
  if (subject) assert.match(mail.subject, subject, 'Subject');
  assert.equal(h['mime-version'], '1.0');
  assert.match(h['content-type'], /^multipart\/alternative; boundary="/);
  assert.deepEqual(mail.parts.map((p) => p.type), ['text/plain', 'text/html']);
  for (const p of mail.parts) assert.match(p.headers['content-type'], /charset=UTF-8/);
}

// The password-reset link in the delivered mail whose Message-ID is `messageId` (file transport:
// <var>/mail/*.eml). The outbox row does not keep the link once the mail is out.
export async function resetLinkFromMail(mailDir, messageId) {
  const mail = await waitFor(() => readEmlDir(mailDir).find((m) => m.headers['message-id'] === messageId),
    `the reset mail ${messageId}`);
  const m = /https?:\/\/\S*reset-password\?token=[A-Za-z0-9_-]+/.exec(mail.parts[0]?.body || '');
  if (!m) throw new Error(`no reset link in ${mail.file}: ${mail.parts[0]?.body}`);
  return m[0];
}
