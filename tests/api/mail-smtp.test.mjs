// SMTP transport against a real SMTP server on loopback (tests/api/support/smtp_sink.py, aiosmtpd):
// headers, both parts, the links, a retry after the sink refuses once (same Message-ID), and a
// permanent refusal.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import {
  startServer, api, assertProblem, signupPatient, signupDoctor, createAdmin, approveDoctor, readOutbox, sql,
} from './harness.mjs';
import { startSmtpSink, waitFor, checkMail } from './support/mail.mjs';

const outboxRow = (server, id) => sql(server, `SELECT * FROM outbox WHERE id = ${Number(id)}`)[0];
const settled = (server, id, status = 'sent') =>
  waitFor(() => { const r = outboxRow(server, id); return r && r.status === status ? r : null; }, `outbox ${id} ${status}`);

describe('smtp transport', () => {
  let sink, server, admin, tmp;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medcore-smtp-'));
    // The first RCPT TO is answered 451: the first mail must be retried.
    sink = await startSmtpSink(path.join(tmp, 'sink'), { refuseRcpt: 1 });
    server = await startServer({ env: {
      MEDCORE_MAIL_TRANSPORT: 'smtp',
      MEDCORE_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      MEDCORE_SMTP_STARTTLS: 'try',  // the sink offers no STARTTLS: plain SMTP is used
      MEDCORE_MAIL_POLL_MS: '50',
      MEDCORE_MAIL_BACKOFF_MS: '200',
    } });
    admin = await createAdmin(server);
  });
  after(async () => {
    if (server) {
      const r = await server.stop();
      assert.equal(r.code, 0, `clean shutdown ${JSON.stringify(r)}`);
    }
    if (sink) await sink.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the first mail is refused (451) once, retried, and arrives with the same Message-ID', async () => {
    const p = await signupPatient(server, { name: 'Ana Retry' });
    const [row] = readOutbox(server, { template: 'welcome', to: p.email });
    const sent = await settled(server, row.id);
    assert.equal(Number(sent.attempts), 2, 'one refusal, one delivery');
    assert.equal(sent.last_error, null);
    const got = sink.messages().filter((m) => m.headers['message-id'] === sent.message_id);
    assert.equal(got.length, 1);
    checkMail(assert, got[0], { to: p.email, messageId: sent.message_id, subject: /Welcome to medcore, Ana Retry/ });
    const env = JSON.parse(fs.readFileSync(path.join(sink.dir, got[0].file.replace('.eml', '.json')), 'utf8'));
    assert.equal(env.mail_from, 'no-reply@medcore.example');
    assert.deepEqual(env.rcpt_tos, [p.email]);
    await waitFor(() => server.output.stdout.includes('"mail_retry"'), 'the mail_retry log line', 5000);
    assert.ok(!server.output.stdout.includes(p.email), 'addresses are not logged');
  });

  it('password reset arrives with headers, both parts and the link with the token', async () => {
    const p = await signupPatient(server, { name: 'Ana Reset' });
    const r = await api(server, 'POST', '/api/v1/auth/password/forgot', { body: { email: p.email } });
    assert.equal(r.status, 202);
    const [row] = readOutbox(server, { template: 'password_reset', to: p.email });
    const sent = await settled(server, row.id);
    const mail = await waitFor(() => sink.messages().find((m) => m.headers['message-id'] === sent.message_id), 'the reset mail');
    checkMail(assert, mail, { to: p.email, messageId: sent.message_id, subject: /Reset your medcore password/ });
    const url = /http:\/\/app\.test\/reset-password\?token=[A-Za-z0-9_-]{20,}/.exec(mail.parts[0].body)?.[0];
    assert.ok(url, 'text part has the link');
    assert.ok(!JSON.stringify(outboxRow(server, row.id)).includes(url), 'the sent row keeps no link');
    assert.ok(mail.parts[1].body.includes(`href="${url}"`), 'html part has the link');
    const token = new URL(url).searchParams.get('token');
    const reset = await api(server, 'POST', '/api/v1/auth/password/reset', { body: { token, password: 'another good password' } });
    assert.equal(reset.status, 204);
  });

  it('doctor approval arrives', async () => {
    const d = await signupDoctor(server, { name: 'Dra. Inês Côrte-Real' });
    await approveDoctor(server, admin, d.user.id);
    const [row] = readOutbox(server, { template: 'doctor_approved', to: d.email });
    const sent = await settled(server, row.id);
    const mail = await waitFor(() => sink.messages().find((m) => m.headers['message-id'] === sent.message_id), 'the approval');
    checkMail(assert, mail, { to: d.email, messageId: sent.message_id, subject: /approved/ });
    assert.ok(mail.parts[0].body.includes('Dra. Inês Côrte-Real'));
    assert.ok(mail.parts[1].body.includes('href="http://app.test/login"'));
  });
});

describe('smtp: permanent refusal and an unreachable server', () => {
  let sink, server, tmp;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medcore-smtp-'));
    sink = await startSmtpSink(path.join(tmp, 'sink'), { rejectRcpt: 1 });
    server = await startServer({ env: {
      MEDCORE_MAIL_TRANSPORT: 'smtp',
      MEDCORE_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      MEDCORE_SMTP_STARTTLS: 'off',
      MEDCORE_SMTP_USER: '',
      MEDCORE_MAIL_POLL_MS: '50',
      MEDCORE_MAIL_BACKOFF_MS: '100',
      MEDCORE_MAIL_MAX_ATTEMPTS: '3',
    } });
  });
  after(async () => {
    if (server) await server.stop();
    if (sink) await sink.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('550 is permanent: dead after one attempt, with the reply in last_error', async () => {
    const p = await signupPatient(server);
    const [row] = readOutbox(server, { template: 'welcome', to: p.email });
    const dead = await settled(server, row.id, 'dead');
    assert.equal(Number(dead.attempts), 1);
    assert.match(dead.last_error, /550/);
    // the next mail goes through
    const q = await signupPatient(server);
    const [row2] = readOutbox(server, { template: 'welcome', to: q.email });
    await settled(server, row2.id);
  });

  it('no server listening: temporary, retried, dead after MEDCORE_MAIL_MAX_ATTEMPTS', async () => {
    await sink.stop();
    sink = null;
    const p = await signupPatient(server);
    const [row] = readOutbox(server, { template: 'welcome', to: p.email });
    const dead = await settled(server, row.id, 'dead');
    assert.equal(Number(dead.attempts), 3);
    assert.match(dead.last_error, /connect/i);
  });

  it('a reset mail that dies keeps no token at rest, and is not retried with a broken link', async () => {
    assert.equal(sink, null, 'still no server listening');
    const admin = await createAdmin(server);
    const p = await signupPatient(server);
    assert.equal((await api(server, 'POST', '/api/v1/auth/password/forgot', { body: { email: p.email } })).status, 202);
    const [row] = readOutbox(server, { template: 'password_reset', to: p.email });
    const dead = await settled(server, row.id, 'dead');
    const text = JSON.stringify(dead);
    assert.doesNotMatch(text, /token=[A-Za-z0-9_-]{16,}/, `a token left in the dead row: ${text}`);
    assert.equal(JSON.parse(dead.data).reset_url, '[redacted]');
    const retry = await api(server, 'POST', `/api/v1/admin/outbox/${row.id}/retry`, { session: admin });
    assertProblem(retry, 409, 'mail-redacted');
    assert.equal(outboxRow(server, row.id).status, 'dead');
  });
});
