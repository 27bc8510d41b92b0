// Mail with the file transport (the default): .eml files under <var>/mail/, per-user preferences,
// and the admin outbox routes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  startServer, api, assertProblem, errorFields, signupPatient, signupDoctor, createAdmin, approveDoctor,
  readOutbox, readAudit, sql, sqlExec, count, uniqueEmail,
} from './harness.mjs';
import { readEmlDir, waitFor, checkMail, resetLinkFromMail } from './support/mail.mjs';

const OUTBOX_KEYS = ['attempts', 'category', 'created_at', 'id', 'last_error', 'message_id', 'next_attempt_at',
  'sent_at', 'status', 'template', 'to_email'];
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let server, admin, mailDir;
before(async () => {
  server = await startServer({ env: { MEDCORE_MAIL_POLL_MS: '50', MEDCORE_MAIL_BACKOFF_MS: '100' } });
  admin = await createAdmin(server);
  mailDir = path.join(server.varDir, 'mail');
});
after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `clean shutdown: ${JSON.stringify(r)}\n${server.output.stderr.slice(-2000)}`);
  }
});

const outboxRow = (id) => sql(server, `SELECT * FROM outbox WHERE id = ${Number(id)}`)[0];
const sentRow = (id) => waitFor(() => { const r = outboxRow(id); return r && r.status === 'sent' ? r : null; }, `outbox ${id} sent`);
const mailFor = (messageId) => waitFor(() => readEmlDir(mailDir).find((m) => m.headers['message-id'] === messageId),
  `a .eml with ${messageId}`);

describe('file transport', () => {
  it('password reset: an .eml with all headers, both parts and the reset link', async () => {
    const p = await signupPatient(server, { name: 'Ana <b>Lima</b>' });
    const r = await api(server, 'POST', '/api/v1/auth/password/forgot', { body: { email: p.email } });
    assert.equal(r.status, 202);
    const [row] = readOutbox(server, { template: 'password_reset', to: p.email });
    assert.ok(row, 'queued');
    const sent = await sentRow(row.id);
    assert.equal(Number(sent.attempts), 1);
    assert.equal(sent.last_error, null);
    assert.equal(sent.locked_by, null);
    const mail = await mailFor(sent.message_id);
    checkMail(assert, mail, { to: p.email, messageId: sent.message_id, subject: /reset your medcore password/i });
    const url = await resetLinkFromMail(mailDir, sent.message_id);
    assert.match(url, /^http:\/\/app\.test\/reset-password\?token=[A-Za-z0-9_-]{20,}$/);
    const [text, html] = mail.parts;
    assert.ok(text.body.includes(url), 'text has the link');
    assert.ok(text.body.includes('Ana <b>Lima</b>'), 'text is not escaped');
    assert.ok(html.body.includes(`href="${url}"`), 'html has the link');
    assert.ok(html.body.includes('Ana &lt;b&gt;Lima&lt;/b&gt;'), 'html is escaped');
    assert.ok(!html.body.includes('<b>Lima'), 'no raw markup from data');
    // The token the link carries resets the password.
    const token = new URL(url).searchParams.get('token');
    const reset = await api(server, 'POST', '/api/v1/auth/password/reset', { body: { token, password: 'a brand new password' } });
    assert.equal(reset.status, 204, reset.text);
  });

  it('doctor approval: an .eml to the doctor', async () => {
    const d = await signupDoctor(server, { name: 'Dr Zé Ramos' });
    await approveDoctor(server, admin, d.user.id);
    const [row] = readOutbox(server, { template: 'doctor_approved', to: d.email });
    const sent = await sentRow(row.id);
    const mail = await mailFor(sent.message_id);
    checkMail(assert, mail, { to: d.email, messageId: sent.message_id, subject: /approved/ });
    assert.ok(mail.parts[0].body.includes('Dr Zé Ramos'), 'UTF-8 name in the text part');
    assert.ok(mail.parts[0].body.includes('http://app.test/login'));
    assert.ok(mail.parts[1].body.includes('href="http://app.test/login"'));
  });

  it('files are written whole: no temporary files stay behind', async () => {
    await waitFor(() => count(server, 'outbox', "status IN ('pending', 'sending')") === 0, 'an empty queue');
    const fs = await import('node:fs');
    assert.deepEqual(fs.readdirSync(mailDir).filter((f) => !f.endsWith('.eml')), []);
  });
});

describe('preferences', () => {
  let p;
  before(async () => { p = await signupPatient(server); });

  it('default: everything on', async () => {
    const r = await api(server, 'GET', '/api/v1/me/notifications', { session: p });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { reminders: true, chat: true });
  });

  it('PATCH switches categories off and on, one field at a time', async () => {
    let r = await api(server, 'PATCH', '/api/v1/me/notifications', { session: p, body: { chat: false } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { reminders: true, chat: false });
    r = await api(server, 'PATCH', '/api/v1/me/notifications', { session: p, body: { reminders: false } });
    assert.deepEqual(r.json, { reminders: false, chat: false });
    r = await api(server, 'GET', '/api/v1/me/notifications', { session: p });
    assert.deepEqual(r.json, { reminders: false, chat: false });
    const [row] = sql(server, `SELECT reminders, chat FROM notification_preferences WHERE user_id = ${p.user.id}`);
    assert.equal(Number(row.reminders), 0);
    assert.equal(Number(row.chat), 0);
    r = await api(server, 'PATCH', '/api/v1/me/notifications', { session: p, body: { chat: true } });
    assert.deepEqual(r.json, { reminders: false, chat: true });
    r = await api(server, 'PATCH', '/api/v1/me/notifications', { session: p, body: { chat: false } });
    assert.deepEqual(r.json, { reminders: false, chat: false });
  });

  it('bad input: 422 per field, unknown fields refused; nothing changes', async () => {
    let r = await api(server, 'PATCH', '/api/v1/me/notifications', { session: p, body: { chat: 'no', reminders: 1 } });
    assertProblem(r, 422, 'validation');
    assert.deepEqual(errorFields(r).sort(), ['chat', 'reminders']);
    r = await api(server, 'PATCH', '/api/v1/me/notifications', { session: p, body: { security: false } });
    assertProblem(r, 422, 'validation');
    assert.deepEqual(errorFields(r), ['security']);
    r = await api(server, 'PATCH', '/api/v1/me/notifications', { session: p, raw: '[true]' });
    assertProblem(r, 400, 'malformed-json');
    r = await api(server, 'GET', '/api/v1/me/notifications', { session: p });
    assert.deepEqual(r.json, { reminders: false, chat: false });
  });

  it('signed in only; CSRF applies', async () => {
    assertProblem(await api(server, 'GET', '/api/v1/me/notifications'), 401, 'unauthenticated');
    assertProblem(await api(server, 'PATCH', '/api/v1/me/notifications', { body: { chat: false } }), 401, 'unauthenticated');
    const r = await api(server, 'PATCH', '/api/v1/me/notifications', { session: p, body: { chat: true }, csrf: false });
    assertProblem(r, 403, 'csrf');
  });

  it('password reset is sent even with every optional category off', async () => {
    const r = await api(server, 'POST', '/api/v1/auth/password/forgot', { body: { email: p.email } });
    assert.equal(r.status, 202);
    const rows = readOutbox(server, { template: 'password_reset', to: p.email });
    assert.equal(rows.length, 1);
    assert.equal(rows[0].category, 'security');
    await sentRow(rows[0].id);
  });
});

describe('admin outbox', () => {
  let patient, deadId, sentId;
  before(async () => {
    patient = await signupPatient(server);
    // A mail whose template does not exist fails permanently on its first attempt.
    const now = Date.now();
    sqlExec(server, `INSERT INTO outbox (created_at, category, template, to_email, data, message_id, status, attempts, next_attempt_at)
      VALUES (${now}, 'account', 'no_such_template', 'ghost@example.org', '{}', '<dead-${now}@medcore>', 'pending', 0, ${now})`);
    deadId = Number(sql(server, `SELECT id FROM outbox WHERE message_id = '<dead-${now}@medcore>'`)[0].id);
    await waitFor(() => outboxRow(deadId).status === 'dead', 'the bad mail to die');
    const [w] = readOutbox(server, { template: 'welcome', to: patient.email });
    sentId = Number(w.id);
    await sentRow(sentId);
  });

  it('lists newest first with the documented fields', async () => {
    const r = await api(server, 'GET', '/api/v1/admin/outbox?limit=100', { session: admin });
    assert.equal(r.status, 200, r.text);
    const ids = r.json.items.map((i) => i.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
    const dead = r.json.items.find((i) => i.id === deadId);
    assert.deepEqual(Object.keys(dead).sort(), OUTBOX_KEYS);
    assert.equal(dead.status, 'dead');
    assert.equal(dead.attempts, 1);
    assert.match(dead.last_error, /no_such_template/);
    assert.equal(dead.sent_at, null);
    assert.match(dead.created_at, ISO_UTC);
    assert.match(dead.next_attempt_at, ISO_UTC);
    const sent = r.json.items.find((i) => i.id === sentId);
    assert.equal(sent.status, 'sent');
    assert.match(sent.sent_at, ISO_UTC);
    assert.equal(sent.to_email, patient.email);
    assert.equal(sent.template, 'welcome');
    assert.equal(sent.category, 'account');
    assert.match(sent.message_id, /^<[^<>@\s]+@medcore>$/);
  });

  it('filters by status and pages with a cursor', async () => {
    const r = await api(server, 'GET', '/api/v1/admin/outbox?status=dead', { session: admin });
    assert.equal(r.status, 200);
    assert.ok(r.json.items.length >= 1);
    for (const i of r.json.items) assert.equal(i.status, 'dead');
    const seen = [];
    let cursor = null;
    for (let n = 0; n < 100; n++) {
      const q = `/api/v1/admin/outbox?status=sent&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await api(server, 'GET', q, { session: admin });
      assert.equal(page.status, 200, page.text);
      assert.ok(page.json.items.length <= 2);
      for (const i of page.json.items) assert.equal(i.status, 'sent');
      seen.push(...page.json.items.map((i) => i.id));
      cursor = page.json.next_cursor;
      if (!cursor) break;
    }
    assert.equal(new Set(seen).size, seen.length, 'no duplicates across pages');
    assert.equal(seen.length, count(server, 'outbox', "status = 'sent'"));
    assertProblem(await api(server, 'GET', '/api/v1/admin/outbox?status=lost', { session: admin }), 400, 'bad-request');
    assertProblem(await api(server, 'GET', '/api/v1/admin/outbox?cursor=zzz', { session: admin }), 400, 'bad-request');
    assertProblem(await api(server, 'GET', '/api/v1/admin/outbox?limit=0', { session: admin }), 400, 'bad-request');
  });

  it('retry: a dead mail goes back to pending with attempts reset, audited; others are 409', async () => {
    // Make a dead mail that can succeed: a real template, as if it had failed 8 times.
    const now = Date.now();
    sqlExec(server, `INSERT INTO outbox (created_at, category, template, to_user_id, to_email, data, message_id, status, attempts, next_attempt_at, last_error)
      VALUES (${now}, 'account', 'doctor_approved', ${patient.user.id}, '${patient.email}', '{"name":"Ana","login_url":"http://app.test/login"}',
              '<revive-${now}@medcore>', 'dead', 8, ${now}, 'smtp: 451 try later')`);
    const id = Number(sql(server, `SELECT id FROM outbox WHERE message_id = '<revive-${now}@medcore>'`)[0].id);
    const r = await api(server, 'POST', `/api/v1/admin/outbox/${id}/retry`, { session: admin, headers: { 'x-request-id': 'retry-req-1' } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), OUTBOX_KEYS);
    assert.equal(r.json.id, id);
    assert.ok(['pending', 'sending', 'sent'].includes(r.json.status), r.json.status);
    const sent = await sentRow(id);
    assert.equal(Number(sent.attempts), 1, 'attempts were reset');
    assert.equal(sent.message_id, `<revive-${now}@medcore>`, 'same Message-ID');
    await mailFor(`<revive-${now}@medcore>`);
    const audit = readAudit(server, { action: 'admin.mail_retried' }).filter((a) => a.request_id === 'retry-req-1');
    assert.equal(audit.length, 1);
    assert.equal(Number(audit[0].actor_user_id), admin.user.id);
    assert.equal(Number(audit[0].subject_user_id), patient.user.id);
    assert.equal(JSON.parse(audit[0].details).outbox_id, id);

    assertProblem(await api(server, 'POST', `/api/v1/admin/outbox/${id}/retry`, { session: admin }), 409, 'invalid-transition');
    assertProblem(await api(server, 'POST', `/api/v1/admin/outbox/${sentId}/retry`, { session: admin }), 409, 'invalid-transition');
    assertProblem(await api(server, 'POST', '/api/v1/admin/outbox/99999999/retry', { session: admin }), 404, 'not-found');
    // The bad-template mail can be retried too (and dies again).
    const again = await api(server, 'POST', `/api/v1/admin/outbox/${deadId}/retry`, { session: admin });
    assert.equal(again.status, 200, again.text);
    await waitFor(() => outboxRow(deadId).status === 'dead', 'the bad mail to die again');
    assert.equal(Number(outboxRow(deadId).attempts), 1);
  });

  it('admins only: anonymous 401, patients and doctors 403; CSRF applies', async () => {
    const doctor = await signupDoctor(server);
    assertProblem(await api(server, 'GET', '/api/v1/admin/outbox'), 401, 'unauthenticated');
    assertProblem(await api(server, 'POST', `/api/v1/admin/outbox/${deadId}/retry`), 401, 'unauthenticated');
    for (const s of [patient, doctor]) {
      assertProblem(await api(server, 'GET', '/api/v1/admin/outbox', { session: s }), 403, 'forbidden');
      assertProblem(await api(server, 'POST', `/api/v1/admin/outbox/${deadId}/retry`, { session: s }), 403, 'forbidden');
    }
    assertProblem(await api(server, 'POST', `/api/v1/admin/outbox/${deadId}/retry`, { session: admin, csrf: false }), 403, 'csrf');
  });

  it('metrics expose pending and dead mail', async () => {
    await waitFor(async () => {
      const r = await api(server, 'GET', '/metrics');
      return /^medcore_mail_dead [1-9]/m.test(r.text) && /^medcore_mail_pending \d/m.test(r.text);
    }, 'mail gauges', 10_000, 200);
  });
});

describe('secrets at rest', () => {
  // Everything the database holds about one outbox row, as text.
  const rowText = (id) => JSON.stringify(sql(server, `SELECT * FROM outbox WHERE id = ${Number(id)}`));

  it('a sent reset mail keeps no usable token in the outbox: the link is redacted once delivered', async () => {
    const p = await signupPatient(server);
    assert.equal((await api(server, 'POST', '/api/v1/auth/password/forgot', { body: { email: p.email } })).status, 202);
    const [row] = readOutbox(server, { template: 'password_reset', to: p.email });
    const sent = await sentRow(row.id);
    const url = await resetLinkFromMail(mailDir, sent.message_id);
    const token = new URL(url).searchParams.get('token');
    assert.ok(!rowText(row.id).includes(token), `the token is still in the outbox row: ${rowText(row.id)}`);
    const data = JSON.parse(outboxRow(row.id).data);
    assert.equal(data.reset_url, '[redacted]');
    assert.equal(data.name, p.user.name, 'the other fields stay (the delivery record)');
    // The admin's outbox view never shows it either.
    const list = await api(server, 'GET', '/api/v1/admin/outbox?limit=100', { session: admin });
    assert.equal(list.status, 200);
    assert.ok(!list.text.includes(token));
    // The link still works: redaction is about the copy at rest, not the mail.
    const reset = await api(server, 'POST', '/api/v1/auth/password/reset', { body: { token, password: 'a brand new password' } });
    assert.equal(reset.status, 204, reset.text);
  });
});

describe('transactional', () => {
  it('a refused sign-up (email taken) leaves no mail', async () => {
    const p = await signupPatient(server);
    const before = count(server, 'outbox');
    const r = await api(server, 'POST', '/api/v1/auth/signup', { body: { role: 'patient', name: 'X', email: p.email, password: 'correct horse battery', phone: '+351 912 345 678', date_of_birth: '1990-04-01', sex: 'female' } });
    assert.equal(r.status, 409);
    assert.equal(count(server, 'outbox'), before);
  });
});
