// SendGrid transport against a fake SendGrid on loopback: method, path, bearer key, JSON body;
// 429 and 5xx are retried, 400 is permanent; the key never shows up in last_error or the logs.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  startServer, api, signupPatient, signupDoctor, createAdmin, approveDoctor, readOutbox, sql, freePort,
} from './harness.mjs';
import { waitFor } from './support/mail.mjs';

const KEY = 'SG.fake-key-for-tests.0123456789abcdef';
const outboxRow = (server, id) => sql(server, `SELECT * FROM outbox WHERE id = ${Number(id)}`)[0];
const settled = (server, id, status = 'sent') =>
  waitFor(() => { const r = outboxRow(server, id); return r && r.status === status ? r : null; }, `outbox ${id} ${status}`);

describe('sendgrid transport', () => {
  let fake, server, admin;
  const requests = [];         // every request the fake received
  const plan = new Map();      // recipient → statuses still to answer (then 202)

  before(async () => {
    fake = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        let json = null;
        try { json = JSON.parse(body); } catch { /* checked below */ }
        const to = json?.personalizations?.[0]?.to?.[0]?.email;
        requests.push({ method: req.method, url: req.url, headers: req.headers, json, to });
        const queue = plan.get(to) || [];
        const status = queue.length ? queue.shift() : 202;
        res.writeHead(status, { 'content-type': 'application/json' });
        // Error bodies echo the key on purpose: medcore must not store or log it.
        res.end(status === 202 ? '' : JSON.stringify({ errors: [{ message: `status ${status} for key ${KEY}`, field: null }] }));
      });
    });
    const port = await freePort();
    await new Promise((r) => fake.listen(port, '127.0.0.1', r));
    server = await startServer({ env: {
      MEDCORE_MAIL_TRANSPORT: 'sendgrid',
      MEDCORE_SENDGRID_URL: `http://127.0.0.1:${port}`,
      MEDCORE_SENDGRID_API_KEY: KEY,
      MEDCORE_MAIL_POLL_MS: '50',
      MEDCORE_MAIL_BACKOFF_MS: '150',
      MEDCORE_LOG_LEVEL: 'info',
    } });
    admin = await createAdmin(server);
  });
  after(async () => {
    if (server) {
      const r = await server.stop();
      assert.equal(r.code, 0);
    }
    if (fake) await new Promise((r) => fake.close(r));
  });

  const forTo = (email) => requests.filter((r) => r.to === email);

  it('password reset: POST /v3/mail/send with the bearer key and the v3 JSON body', async () => {
    const p = await signupPatient(server, { name: 'Ana <Grid>' });
    await api(server, 'POST', '/api/v1/auth/password/forgot', { body: { email: p.email } });
    const [row] = readOutbox(server, { template: 'password_reset', to: p.email });
    const sent = await settled(server, row.id);
    assert.equal(Number(sent.attempts), 1);
    const req = forTo(p.email).find((r) => r.json.headers['Message-ID'] === sent.message_id);
    assert.ok(req, 'the fake got the reset mail');
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/v3/mail/send');
    assert.equal(req.headers.authorization, `Bearer ${KEY}`);
    assert.match(req.headers['content-type'], /^application\/json/);
    const b = req.json;
    assert.deepEqual(b.personalizations, [{ to: [{ email: p.email }] }]);
    assert.deepEqual(b.from, { email: 'no-reply@medcore.example', name: 'medcore' });
    assert.match(b.subject, /Reset your medcore password/);
    assert.deepEqual(b.content.map((c) => c.type), ['text/plain', 'text/html']);
    const url = /http:\/\/app\.test\/reset-password\?token=[A-Za-z0-9_-]{20,}/.exec(b.content[0].value)?.[0];
    assert.ok(url, 'the text part has the link');
    assert.ok(b.content[0].value.includes('Ana <Grid>'));
    assert.ok(b.content[1].value.includes(`href="${url}"`));
    assert.ok(b.content[1].value.includes('Ana &lt;Grid&gt;'));
    assert.equal(b.headers['Message-ID'], sent.message_id);
  });

  it('doctor approval is delivered', async () => {
    const d = await signupDoctor(server);
    await approveDoctor(server, admin, d.user.id);
    const [row] = readOutbox(server, { template: 'doctor_approved', to: d.email });
    const sent = await settled(server, row.id);
    assert.ok(forTo(d.email).some((r) => r.json.headers['Message-ID'] === sent.message_id && /approved/.test(r.json.subject)));
  });

  for (const first of [429, 500, 503]) {
    it(`${first} is temporary: retried with the same Message-ID, then sent`, async () => {
      const email = `grid.${first}.${Date.now()}@example.org`;
      plan.set(email, [first]);
      await signupPatient(server, { email });
      const [row] = readOutbox(server, { template: 'welcome', to: email });
      const sent = await settled(server, row.id);
      assert.equal(Number(sent.attempts), 2);
      const reqs = forTo(email);
      assert.equal(reqs.length, 2);
      assert.ok(reqs.every((r) => r.json.headers['Message-ID'] === sent.message_id), 'same Message-ID on the retry');
    });
  }

  it('400 is permanent: dead after one attempt; the key is in neither last_error nor the logs', async () => {
    const email = `grid.400.${Date.now()}@example.org`;
    plan.set(email, [400, 400, 400]);
    await signupPatient(server, { email });
    const [row] = readOutbox(server, { template: 'welcome', to: email });
    await settled(server, row.id, 'dead');
    const r = await api(server, 'GET', '/api/v1/admin/outbox?status=dead&limit=100', { session: admin });
    assert.equal(r.status, 200);
    const item = r.json.items.find((i) => i.id === Number(row.id));
    assert.ok(item, 'listed as dead');
    assert.equal(item.attempts, 1);
    assert.match(item.last_error, /HTTP 400/);
    assert.match(item.last_error, /status 400 for key/, 'the error body is kept');
    assert.ok(!item.last_error.includes(KEY), 'no key in last_error');
    assert.ok(!r.text.includes(KEY), 'no key in the admin answer');
    assert.equal(forTo(email).length, 1);
    await waitFor(() => server.output.stdout.includes('"mail_dead"'), 'the mail_dead log line', 5000);
    assert.ok(!server.output.stdout.includes(KEY), 'no key on stdout');
    assert.ok(!server.output.stderr.includes(KEY), 'no key on stderr');
    assert.ok(server.output.stdout.includes('[redacted]'), 'the error body was logged, redacted');
  });
});
