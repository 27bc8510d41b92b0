// Chat (issue 6) end to end with the official socket.io-client against `medcore serve` (SQLite or
// PostgreSQL): conversations, send with ack and idempotent resend, typing, read receipts,
// presence, foreign rooms and history refused, unauthenticated refused, reconnect catch-up,
// polling-only transport, the throttled email alert, the REST routes; access that ends reaches open
// sockets at once (logout: that session's sockets; password change or reset: every revoked
// session's; a suspended doctor: all of theirs, and no alert mail); on PostgreSQL also two instances
// on one database (a message, a logout and a suspension from instance A reach instance B).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { io } from 'socket.io-client';
import {
  PG_URL, startServer, prepareEnv, api, assertProblem, signupPatient, signupDoctor, createAdmin, approveDoctor,
  readOutbox, sql, sqlExec, sleep, freePort, login,
} from './harness.mjs';
import { resetLinkFromMail } from './support/mail.mjs';

function once(emitter, event, ms = 4000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no "${event}" within ${ms} ms`)), ms);
    emitter.once(event, (...args) => { clearTimeout(t); resolve(args); });
  });
}

// Resolves with the first `event` payload that satisfies `pred`.
function waitFor(emitter, event, pred = () => true, ms = 4000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { emitter.off(event, on); reject(new Error(`no matching "${event}" within ${ms} ms`)); }, ms);
    const on = (x) => { if (pred(x)) { clearTimeout(t); emitter.off(event, on); resolve(x); } };
    emitter.on(event, on);
  });
}

let server, admin;
const sockets = [];
function connect(srv, session, opts = {}) {
  const { via = 'token', ...rest } = opts;
  const o = { forceNew: true, reconnection: false, ...rest };
  if (via === 'token') o.auth = { token: session.token };
  if (via === 'cookie') o.extraHeaders = { cookie: session.cookie, ...(rest.extraHeaders || {}) };
  const s = io(srv.url + '/chat', o);
  sockets.push(s);
  return s;
}
const emit = (s, event, body) => s.timeout(4000).emitWithAck(event, body);

async function people(srv, adm) {
  const doctor = await signupDoctor(srv, { name: 'Dr Ana Lima' });
  await approveDoctor(srv, adm, doctor.user.id);
  const patient = await signupPatient(srv, { name: 'Paul Patient' });
  // Bearer tokens for the socket handshake (auth.token); cookies stay for the REST calls.
  for (const p of [doctor, patient]) {
    const r = await api(srv, 'POST', '/api/v1/auth/login', { body: { email: p.email, password: p.password, bearer: true } });
    assert.equal(r.status, 200, r.text);
    p.token = r.json.token;
  }
  const start = await api(srv, 'POST', '/api/v1/conversations', { session: { cookie: patient.cookie, csrf: patient.csrf }, body: { doctor_id: doctor.user.id } });
  assert.equal(start.status, 201, start.text);
  return { doctor, patient, conversation: start.json };
}
const rest = (p) => ({ cookie: p.cookie, csrf: p.csrf });
// How soon a socket whose access ended must be closed: it is done at once (milliseconds); the
// margin is for a loaded test machine.
const CLOSE_BOUND_MS = 3000;
// The safety net: every instance re-checks the sessions of its sockets every 30 s.
const RECHECK_BOUND_MS = 35_000;

before(async () => {
  server = await startServer({ env: { MEDCORE_JOBS_POLL_MS: '50' } });
  admin = await createAdmin(server);
});
after(async () => {
  for (const s of sockets) s.disconnect();
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `clean shutdown: ${JSON.stringify(r)}\n${server.output.stderr.slice(-2000)}`);
  }
});

describe('conversations over REST', () => {
  it('a patient starts one with an approved doctor once; others are refused', async () => {
    const { doctor, patient, conversation } = await people(server, admin);
    assert.equal(conversation.doctor.id, doctor.user.id);
    assert.equal(conversation.patient.id, patient.user.id);
    assert.equal(conversation.other.id, doctor.user.id);
    assert.equal(conversation.last_message, null);
    assert.equal(conversation.unread_count, 0);
    const again = await api(server, 'POST', '/api/v1/conversations', { session: rest(patient), body: { doctor_id: doctor.user.id } });
    assert.equal(again.status, 200);
    assert.equal(again.json.id, conversation.id);

    const pending = await signupDoctor(server);
    assertProblem(await api(server, 'POST', '/api/v1/conversations', { session: rest(patient), body: { doctor_id: pending.user.id } }), 404, 'not-found');
    assertProblem(await api(server, 'POST', '/api/v1/conversations', { session: rest(patient), body: {} }), 422, 'validation');
    // A doctor may only start one with a patient they treat (this one wrote to them).
    const doc = await api(server, 'POST', '/api/v1/conversations', { session: rest(doctor), body: { patient_id: patient.user.id } });
    assert.equal(doc.status, 200, doc.text);
    const stranger = await signupPatient(server);
    assertProblem(await api(server, 'POST', '/api/v1/conversations', { session: rest(doctor), body: { patient_id: stranger.user.id } }), 404, 'not-found');
    // Foreign conversations and their history do not exist for others.
    for (const p of [`/api/v1/conversations/${conversation.id}`, `/api/v1/conversations/${conversation.id}/messages`])
      assertProblem(await api(server, 'GET', p, { session: rest(stranger) }), 404, 'not-found');
    assertProblem(await api(server, 'POST', `/api/v1/conversations/${conversation.id}/messages`, { session: rest(stranger), body: { text: 'hi', client_message_id: 'x1' } }), 404, 'not-found');
    assertProblem(await api(server, 'GET', '/api/v1/conversations', { session: rest(pending) }), 403, 'doctor-not-approved');
    assertProblem(await api(server, 'GET', '/api/v1/conversations', { session: rest(admin) }), 403, 'forbidden');
    assertProblem(await api(server, 'GET', '/api/v1/conversations'), 401, 'unauthenticated');
  });

  it('sends, pages history both ways, counts unread and marks read', async () => {
    const { doctor, patient, conversation } = await people(server, admin);
    const url = `/api/v1/conversations/${conversation.id}`;
    const ids = [];
    for (let i = 0; i < 7; i++) {
      const r = await api(server, 'POST', url + '/messages', { session: rest(patient), body: { text: `m${i}`, client_message_id: `c-${i}` } });
      assert.equal(r.status, 201, r.text);
      ids.push(r.json.id);
    }
    const dup = await api(server, 'POST', url + '/messages', { session: rest(patient), body: { text: 'm0 again', client_message_id: 'c-0' } });
    assert.equal(dup.status, 200);
    assert.equal(dup.json.id, ids[0]);
    assert.equal(dup.json.text, 'm0');
    const bad = await api(server, 'POST', url + '/messages', { session: rest(patient), body: { text: 'x'.repeat(4001), client_message_id: 'c-big' } });
    assertProblem(bad, 422, 'validation');
    assertProblem(await api(server, 'POST', url + '/messages', { session: rest(patient), body: { text: '   ', client_message_id: 'c-e' } }), 422, 'validation');

    const list = await api(server, 'GET', '/api/v1/conversations', { session: rest(doctor) });
    const mine = list.json.items.find((c) => c.id === conversation.id);
    assert.equal(mine.unread_count, 7);
    assert.equal(mine.last_message.text, 'm6');

    const p1 = await api(server, 'GET', url + '/messages?limit=3', { session: rest(doctor) });
    assert.deepEqual(p1.json.items.map((m) => m.text), ['m6', 'm5', 'm4']);
    const p2 = await api(server, 'GET', url + `/messages?limit=3&cursor=${p1.json.next_cursor}`, { session: rest(doctor) });
    assert.deepEqual(p2.json.items.map((m) => m.text), ['m3', 'm2', 'm1']);
    const p3 = await api(server, 'GET', url + `/messages?limit=3&cursor=${p2.json.next_cursor}`, { session: rest(doctor) });
    assert.deepEqual(p3.json.items.map((m) => m.text), ['m0']);
    assert.equal(p3.json.next_cursor, null);
    const after = await api(server, 'GET', url + `/messages?after=${ids[2]}&limit=2`, { session: rest(doctor) });
    assert.deepEqual(after.json.items.map((m) => m.text), ['m3', 'm4']);
    const after2 = await api(server, 'GET', url + `/messages?limit=2&cursor=${after.json.next_cursor}`, { session: rest(doctor) });
    assert.deepEqual(after2.json.items.map((m) => m.text), ['m5', 'm6']);

    const read = await api(server, 'POST', url + '/read', { session: rest(doctor), body: { message_id: ids[4] } });
    assert.equal(read.status, 200, read.text);
    assert.deepEqual(read.json, { last_read_message_id: ids[4], unread_count: 2 });
    const back = await api(server, 'POST', url + '/read', { session: rest(doctor), body: { message_id: ids[1] } });
    assert.equal(back.json.last_read_message_id, ids[4], 'the mark never moves back');
    const seen = await api(server, 'GET', url, { session: rest(patient) });
    assert.equal(seen.json.other_last_read_message_id, ids[4]);
    assertProblem(await api(server, 'POST', url + '/read', { session: rest(doctor), body: { message_id: 999999 } }), 422, 'validation');
    // Text is stored as given: markup stays text.
    const html = await api(server, 'POST', url + '/messages', { session: rest(doctor), body: { text: '<b>hi</b> & <script>x</script>', client_message_id: 'h1' } });
    assert.equal(html.json.text, '<b>hi</b> & <script>x</script>');
  });
});

describe('the /chat namespace', () => {
  it('refuses a handshake without a valid session, and admins', async () => {
    const anon = connect(server, {}, { via: 'none' });
    const [err] = await once(anon, 'connect_error');
    assert.match(err.message, /unauthorized/);
    const bad = connect(server, { token: 'not-a-token' });
    assert.match((await once(bad, 'connect_error'))[0].message, /unauthorized/);
    const adm = await api(server, 'POST', '/api/v1/auth/login', { body: { email: admin.email, password: admin.password, bearer: true } });
    const a = connect(server, { token: adm.json.token });
    assert.match((await once(a, 'connect_error'))[0].message, /forbidden/);
  });

  for (const [name, transports] of [['WebSocket', ['websocket']], ['polling only', ['polling']], ['polling then upgrade', ['polling', 'websocket']]]) {
    it(`two users exchange messages with acks, typing, read receipts and presence (${name})`, async () => {
      const { doctor, patient, conversation } = await people(server, admin);
      const cid = conversation.id;
      const p = connect(server, patient, { transports });
      const d = connect(server, doctor, { transports, via: 'cookie' });
      await Promise.all([once(p, 'connect'), once(d, 'connect')]);
      const jp = await emit(p, 'join', { conversation_id: cid });
      assert.equal(jp.conversation.id, cid);
      assert.equal(jp.presence.user_id, doctor.user.id);
      await connected(server, patient.user.id);  // presence is counted on a worker, just after the connect
      const jd = await emit(d, 'join', { conversation_id: cid, after: 0 });
      assert.deepEqual(jd.messages, []);
      assert.equal(jd.presence.online, true, 'the patient is online');

      const got = waitFor(d, 'message', (m) => m.conversation_id === cid);
      const ack = await emit(p, 'send', { conversation_id: cid, text: 'Hello doctor', client_message_id: 'p-1' });
      assert.equal(ack.duplicate, false);
      assert.ok(ack.message.id > 0);
      assert.match(ack.message.created_at, /Z$/);
      const m = await got;
      assert.deepEqual(m, ack.message);
      // A resend (lost ack) is answered with the stored message and not broadcast again.
      let extra = 0;
      d.on('message', () => { extra++; });
      const again = await emit(p, 'send', { conversation_id: cid, text: 'Hello doctor', client_message_id: 'p-1' });
      assert.equal(again.duplicate, true);
      assert.equal(again.message.id, ack.message.id);

      // Typing: forwarded to the other side, throttled, not stored.
      const typing = waitFor(p, 'typing', (t) => t.conversation_id === cid);
      assert.deepEqual(await emit(d, 'typing', { conversation_id: cid, typing: true }), { ok: true });
      assert.deepEqual(await typing, { conversation_id: cid, user_id: doctor.user.id, typing: true });
      assert.equal((await emit(d, 'typing', { conversation_id: cid, typing: true })).throttled, true);
      const stop = waitFor(p, 'typing', (t) => t.typing === false);
      await emit(d, 'typing', { conversation_id: cid, typing: false });
      await stop;

      // Read receipt.
      const receipt = waitFor(p, 'read', (r) => r.conversation_id === cid);
      const r = await emit(d, 'read', { conversation_id: cid, message_id: ack.message.id });
      assert.deepEqual(r, { last_read_message_id: ack.message.id, unread_count: 0 });
      assert.deepEqual(await receipt, { conversation_id: cid, user_id: doctor.user.id, last_read_message_id: ack.message.id });

      // Delivered (not stored) and an answer back.
      const delivered = waitFor(p, 'delivered', (x) => x.message_id === ack.message.id);
      await emit(d, 'delivered', { conversation_id: cid, message_id: ack.message.id });
      await delivered;
      const back = waitFor(p, 'message', (x) => x.sender_id === doctor.user.id);
      await emit(d, 'send', { conversation_id: cid, text: 'Hello Paul', client_message_id: 'd-1' });
      assert.equal((await back).text, 'Hello Paul');
      await sleep(200);
      assert.equal(extra, 0, 'no second broadcast for the resend');
      if (name === 'polling then upgrade' && p.io.engine.transport.name !== 'websocket') await once(p.io.engine, 'upgrade');

      // Presence: the doctor leaves, the patient sees them offline with a last-seen time.
      const offline = waitFor(p, 'presence', (x) => x.user_id === doctor.user.id && x.online === false);
      d.disconnect();
      const off = await offline;
      assert.match(off.last_seen_at, /Z$/);
      p.disconnect();
    });
  }

  it('refuses the session cookie from a foreign origin (cross-site WebSocket hijacking)', async () => {
    const { patient } = await people(server, admin);
    for (const transports of [['websocket'], ['polling']]) {
      const s = connect(server, patient, { via: 'cookie', transports, extraHeaders: { cookie: patient.cookie, origin: 'http://evil.test' } });
      const [err] = await once(s, 'connect_error');
      assert.match(err.message, /forbidden origin/);
      const same = connect(server, patient, { via: 'cookie', transports, extraHeaders: { cookie: patient.cookie, origin: server.url } });
      await once(same, 'connect');
      same.disconnect();
    }
  });

  it('a logout closes the sockets of that session at once; the user\'s other session keeps its own', async () => {
    const { doctor, patient, conversation } = await people(server, admin);
    const cid = conversation.id;
    const other = await login(server, patient.email, patient.password, { bearer: true });
    const s = connect(server, patient);
    const polling = connect(server, patient, { transports: ['polling'] });
    const kept = connect(server, { token: other.token });
    await Promise.all([once(s, 'connect'), once(polling, 'connect'), once(kept, 'connect')]);
    await emit(kept, 'join', { conversation_id: cid });
    assert.ok((await emit(s, 'send', { conversation_id: cid, text: 'before logout', client_message_id: 'lo-1' })).message);
    const told = [once(s, 'session_ended', CLOSE_BOUND_MS), once(polling, 'session_ended', CLOSE_BOUND_MS)];
    const gone = [once(s, 'disconnect', CLOSE_BOUND_MS), once(polling, 'disconnect', CLOSE_BOUND_MS)];
    const out = await api(server, 'POST', '/api/v1/auth/logout', { session: { token: patient.token } });
    assert.equal(out.status, 204, out.text);
    for (const [why] of await Promise.all(told)) assert.deepEqual(why, { reason: 'logged_out' });
    for (const [reason] of await Promise.all(gone)) assert.equal(reason, 'io server disconnect');
    // The other session's socket is still connected and still gets the conversation live.
    assert.ok(kept.connected);
    const got = waitFor(kept, 'message', (m) => m.conversation_id === cid);
    const sent = await api(server, 'POST', `/api/v1/conversations/${cid}/messages`, { session: rest(doctor), body: { text: 'after the logout', client_message_id: 'lo-d' } });
    assert.equal(sent.status, 201, sent.text);
    assert.deepEqual(await got, sent.json);
    assert.ok((await emit(kept, 'send', { conversation_id: cid, text: 'still here', client_message_id: 'lo-2' })).message);
    // The ended session cannot connect again.
    const again = connect(server, patient);
    assert.match((await once(again, 'connect_error'))[0].message, /unauthorized/);
    kept.disconnect();
  });

  it('a password change or reset closes the sockets of every session it revoked', async () => {
    const { patient } = await people(server, admin);
    const s = connect(server, patient);
    await once(s, 'connect');
    const told = once(s, 'session_ended', CLOSE_BOUND_MS);
    const gone = once(s, 'disconnect', CLOSE_BOUND_MS);
    const changed = await api(server, 'POST', '/api/v1/auth/password/change', { session: rest(patient), body: { current_password: patient.password, new_password: 'a new long password' } });
    assert.equal(changed.status, 200, changed.text);
    assert.deepEqual((await told)[0], { reason: 'password_changed' });
    assert.equal((await gone)[0], 'io server disconnect');

    const fresh = await login(server, patient.email, 'a new long password', { bearer: true });
    const t = connect(server, { token: fresh.token });
    await once(t, 'connect');
    const forgot = await api(server, 'POST', '/api/v1/auth/password/forgot', { body: { email: patient.email } });
    assert.equal(forgot.status, 202, forgot.text);
    // The link comes from the delivered mail: the outbox row drops it as soon as the mail is out.
    const [mail] = readOutbox(server, { template: 'password_reset', to: patient.email });
    const [{ message_id: messageId }] = sql(server, `SELECT message_id FROM outbox WHERE id = ${Number(mail.id)}`);
    const token = new URL(await resetLinkFromMail(path.join(server.varDir, 'mail'), messageId)).searchParams.get('token');
    const told2 = once(t, 'session_ended', CLOSE_BOUND_MS);
    const gone2 = once(t, 'disconnect', CLOSE_BOUND_MS);
    const reset = await api(server, 'POST', '/api/v1/auth/password/reset', { body: { token, password: 'yet another long password' } });
    assert.equal(reset.status, 204, reset.text);
    assert.deepEqual((await told2)[0], { reason: 'password_reset' });
    assert.equal((await gone2)[0], 'io server disconnect');
  });

  it('suspending a connected doctor closes every socket of theirs at once; they cannot come back', async () => {
    const { doctor, patient, conversation } = await people(server, admin);
    const cid = conversation.id;
    const ws = connect(server, doctor);
    const polling = connect(server, doctor, { via: 'cookie', transports: ['polling'] });
    await Promise.all([once(ws, 'connect'), once(polling, 'connect')]);
    await emit(ws, 'join', { conversation_id: cid });
    await connected(server, doctor.user.id, 2);
    const told = [once(ws, 'session_ended', CLOSE_BOUND_MS), once(polling, 'session_ended', CLOSE_BOUND_MS)];
    const gone = [once(ws, 'disconnect', CLOSE_BOUND_MS), once(polling, 'disconnect', CLOSE_BOUND_MS)];
    const r = await api(server, 'POST', `/api/v1/admin/doctors/${doctor.user.id}/suspend`, { session: rest(admin), body: { reason: 'Complaint under review.' } });
    assert.equal(r.status, 200, r.text);
    for (const [why] of await Promise.all(told)) assert.deepEqual(why, { reason: 'access_revoked' });
    for (const [reason] of await Promise.all(gone)) assert.equal(reason, 'io server disconnect');
    await connected(server, doctor.user.id, 0);
    // The patient writes on: stored for later, and no alert mail quotes it to the suspended doctor.
    const p = connect(server, patient);
    await once(p, 'connect');
    assert.ok((await emit(p, 'send', { conversation_id: cid, text: 'Are you there?', client_message_id: 'sus-1' })).message);
    assert.deepEqual(readOutbox(server, { template: 'chat_message', to: doctor.email }), []);
    const again = connect(server, doctor);
    assert.match((await once(again, 'connect_error'))[0].message, /forbidden/);
    assertProblem(await api(server, 'GET', `/api/v1/conversations/${cid}/messages`, { session: rest(doctor) }), 403, 'doctor-not-approved');
    p.disconnect();
  });

  it('a doctor suspended without the notice reaching the socket: the next database event is refused and ends it', async () => {
    // As when the cross-instance notice is lost: the status changes behind the server's back.
    const { doctor, conversation } = await people(server, admin);
    const d = connect(server, doctor);
    await once(d, 'connect');
    await emit(d, 'join', { conversation_id: conversation.id });
    sqlExec(server, `UPDATE doctors SET status = 'suspended' WHERE user_id = ${doctor.user.id}`);
    const told = once(d, 'session_ended');
    const gone = once(d, 'disconnect');
    // (Should the periodic re-check below close the socket first, the event is never handled: also a refusal.)
    const r = await emit(d, 'history', { conversation_id: conversation.id }).catch(() => null);
    if (r !== null) {
      assert.equal(r.error?.status, 403, JSON.stringify(r));
      assert.equal(r.error.type, 'urn:medcore:problem:doctor-not-approved');
    }
    assert.deepEqual((await told)[0], { reason: 'access_revoked' });
    assert.equal((await gone)[0], 'io server disconnect');
  });

  it('a socket that only listens is closed by the periodic re-check when no notice reached it (within 30 s)', async () => {
    const { doctor } = await people(server, admin);
    const d = connect(server, doctor);
    await once(d, 'connect');
    sqlExec(server, `UPDATE doctors SET status = 'suspended' WHERE user_id = ${doctor.user.id}`);
    const told = once(d, 'session_ended', RECHECK_BOUND_MS);
    const gone = once(d, 'disconnect', RECHECK_BOUND_MS);
    assert.deepEqual((await told)[0], { reason: 'access_revoked' });
    assert.equal((await gone)[0], 'io server disconnect');
  });

  it('no chat alert mail goes to a doctor who is not approved', async () => {
    const { doctor, patient, conversation } = await people(server, admin);
    const r = await api(server, 'POST', `/api/v1/admin/doctors/${doctor.user.id}/suspend`, { session: rest(admin), body: { reason: 'Licence lapsed.' } });
    assert.equal(r.status, 200, r.text);
    const sent = await api(server, 'POST', `/api/v1/conversations/${conversation.id}/messages`, { session: rest(patient), body: { text: 'My results came back', client_message_id: 'na-1' } });
    assert.equal(sent.status, 201, sent.text);
    assert.deepEqual(readOutbox(server, { template: 'chat_message', to: doctor.email }).map((m) => m.data.preview), []);
  });

  it('broadcasts messages and read marks made over REST', async () => {
    const { doctor, patient, conversation } = await people(server, admin);
    const cid = conversation.id;
    const d = connect(server, doctor);
    await once(d, 'connect');  // in its user room: no join needed for the list's live updates
    const got = waitFor(d, 'message', (m) => m.conversation_id === cid);
    const sent = await api(server, 'POST', `/api/v1/conversations/${cid}/messages`, { session: rest(patient), body: { text: 'via REST', client_message_id: 'rest-1' } });
    assert.equal(sent.status, 201);
    assert.deepEqual(await got, sent.json);
    const p = connect(server, patient);
    await once(p, 'connect');
    const receipt = waitFor(p, 'read', (r) => r.conversation_id === cid);
    await api(server, 'POST', `/api/v1/conversations/${cid}/read`, { session: rest(doctor), body: { message_id: sent.json.id } });
    assert.deepEqual(await receipt, { conversation_id: cid, user_id: doctor.user.id, last_read_message_id: sent.json.id });
    d.disconnect();
    p.disconnect();
  });

  it('refuses foreign rooms, foreign history and bad input', async () => {
    const { patient, conversation } = await people(server, admin);
    const other = await people(server, admin);
    const s = connect(server, patient);
    await once(s, 'connect');
    const foreign = await emit(s, 'join', { conversation_id: other.conversation.id });
    assert.equal(foreign.error.status, 404);
    const hist = await emit(s, 'history', { conversation_id: other.conversation.id });
    assert.equal(hist.error.status, 404);
    const send = await emit(s, 'send', { conversation_id: other.conversation.id, text: 'x', client_message_id: 'f-1' });
    assert.equal(send.error.status, 404);
    const typing = await emit(s, 'typing', { conversation_id: other.conversation.id, typing: true });
    assert.equal(typing.error.status, 403);
    const read = await emit(s, 'read', { conversation_id: other.conversation.id, message_id: 1 });
    assert.equal(read.error.status, 404);
    const long = await emit(s, 'send', { conversation_id: conversation.id, text: 'x'.repeat(4001), client_message_id: 'l-1' });
    assert.equal(long.error.status, 422);
    assert.deepEqual(long.error.errors.map((e) => e.field), ['text']);
    const noId = await emit(s, 'send', { conversation_id: conversation.id, text: 'hi' });
    assert.deepEqual(noId.error.errors.map((e) => e.field), ['client_message_id']);
    const notObject = await s.timeout(4000).emitWithAck('send', 'hello');
    assert.equal(notObject.error.status, 400);
    assert.equal(count(server, 'messages', `conversation_id = ${other.conversation.id}`), 0);
    s.disconnect();
  });

  it('ends a connection that sends a packet above maxPayload (64 KiB)', async () => {
    const { patient, conversation } = await people(server, admin);
    for (const transports of [['websocket'], ['polling']]) {
      const s = connect(server, patient, { transports });
      await once(s, 'connect');
      const gone = once(s, 'disconnect', 8000);
      s.emit('send', { conversation_id: conversation.id, text: 'x'.repeat(70_000), client_message_id: 'big-1' });
      const [reason] = await gone;
      assert.match(reason, /transport (close|error)/);
    }
    assert.equal(count(server, 'messages', `conversation_id = ${conversation.id}`), 0);
  });

  it('limits the event rate per socket', async () => {
    const { patient, conversation } = await people(server, admin);
    const s = connect(server, patient);
    await once(s, 'connect');
    const answers = await Promise.all(Array.from({ length: 40 }, () => emit(s, 'leave', { conversation_id: conversation.id })));
    assert.ok(answers.some((a) => a.error?.status === 429), 'some refused');
    assert.ok(answers.filter((a) => a.ok).length >= 25, 'a burst passes');
    s.disconnect();
  });

  it('catches a reconnecting client up: what it missed, in order, without duplicates', async () => {
    const { doctor, patient, conversation } = await people(server, admin);
    const cid = conversation.id;
    const d = connect(server, doctor);
    await once(d, 'connect');
    await emit(d, 'join', { conversation_id: cid, after: 0 });
    const first = await emit(d, 'send', { conversation_id: cid, text: 'before', client_message_id: 'r-0' });

    // The patient saw `first`, went away; meanwhile three more arrive.
    const sent = [];
    for (let i = 1; i <= 3; i++) sent.push((await emit(d, 'send', { conversation_id: cid, text: `missed ${i}`, client_message_id: `r-${i}` })).message);
    const p = connect(server, patient, { transports: ['polling'] });
    await once(p, 'connect');
    const j = await emit(p, 'join', { conversation_id: cid, after: first.message.id });
    assert.deepEqual(j.messages.map((m) => m.id), sent.map((m) => m.id));
    assert.equal(j.has_more, false);
    // Live messages after the join arrive once, after the replay.
    const live = waitFor(p, 'message', (m) => m.text === 'live');
    await emit(d, 'send', { conversation_id: cid, text: 'live', client_message_id: 'r-4' });
    assert.ok((await live).id > sent[2].id);
    // The client's own reconnection (socket.io-client's Manager) keeps working.
    const auto = connect(server, patient, { reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 200 });
    await once(auto, 'connect');
    auto.io.engine.close();
    await once(auto, 'connect', 5000);
    const h = await emit(auto, 'history', { conversation_id: cid, after: first.message.id });
    assert.deepEqual(h.messages.map((m) => m.text), ['missed 1', 'missed 2', 'missed 3', 'live']);
    auto.disconnect();
    p.disconnect();
    d.disconnect();
  });

  it('emails a recipient who is not connected, at most once per conversation in 15 minutes, per their preferences', async () => {
    const { doctor, patient, conversation } = await people(server, admin);
    const cid = conversation.id;
    const p = connect(server, patient);
    await once(p, 'connect');
    await emit(p, 'send', { conversation_id: cid, text: 'Are you there? <b>x</b>', client_message_id: 'e-1' });
    await emit(p, 'send', { conversation_id: cid, text: 'Second', client_message_id: 'e-2' });
    let mails = readOutbox(server, { template: 'chat_message', to: doctor.email });
    assert.equal(mails.length, 1, 'one alert for two messages');
    assert.equal(mails[0].category, 'chat');
    assert.equal(mails[0].data.conversation_id, cid);
    assert.equal(mails[0].data.sender_name, 'Paul Patient');
    assert.equal(mails[0].data.preview, 'Are you there? <b>x</b>');

    // 15 minutes later (moved back in the database) another message alerts again.
    sqlExec(server, `UPDATE conversations SET doctor_alerted_at = doctor_alerted_at - 900000 WHERE id = ${cid}`);
    await emit(p, 'send', { conversation_id: cid, text: 'Third', client_message_id: 'e-3' });
    assert.equal(readOutbox(server, { template: 'chat_message', to: doctor.email }).length, 2);

    // A connected recipient gets no mail.
    sqlExec(server, `UPDATE conversations SET doctor_alerted_at = doctor_alerted_at - 900000 WHERE id = ${cid}`);
    const d = connect(server, doctor);
    await once(d, 'connect');
    await connected(server, doctor.user.id, 1);
    await emit(p, 'send', { conversation_id: cid, text: 'Fourth', client_message_id: 'e-4' });
    assert.equal(readOutbox(server, { template: 'chat_message', to: doctor.email }).length, 2);
    d.disconnect();
    await connected(server, doctor.user.id, 0);

    // Switched off: no mail (and the alert time is still taken).
    const pref = await api(server, 'PATCH', '/api/v1/me/notifications', { session: rest(doctor), body: { chat: false } });
    assert.equal(pref.status, 200, pref.text);
    await emit(p, 'send', { conversation_id: cid, text: 'Fifth', client_message_id: 'e-5' });
    assert.equal(readOutbox(server, { template: 'chat_message', to: doctor.email }).length, 2);
    p.disconnect();
  });
});

async function connected(srv, userId, want = 1) {
  const n = () => Number(sql(srv, `SELECT connections FROM chat_presence WHERE user_id = ${userId}`)[0]?.connections || 0);
  for (let i = 0; i < 100 && n() !== want; i++) await sleep(20);
  assert.equal(n(), want, `user ${userId} has ${want} chat connection(s)`);
}

function count(srv, table, where) {
  return Number(sql(srv, `SELECT count(*) AS n FROM ${table} WHERE ${where}`)[0].n);
}

describe('two instances on one PostgreSQL database', { skip: PG_URL ? false : 'needs PostgreSQL (MEDCORE_TEST_PG_URL)' }, () => {
  let second;
  before(async () => {
    const port = await freePort();
    const env = { ...server.env, MEDCORE_LISTEN: `127.0.0.1:${port}`, MEDCORE_BACKGROUND: '0' };
    const { spawn } = await import('node:child_process');
    const { BIN } = await import('./harness.mjs');
    const child = spawn(BIN, ['serve'], { env, stdio: 'ignore' });
    second = { child, url: `http://127.0.0.1:${port}`, exited: new Promise((r) => child.on('exit', r)) };
    for (let i = 0; i < 100; i++) {
      try { if ((await fetch(second.url + '/readyz')).status === 200) break; } catch { /* not yet */ }
      await sleep(100);
    }
  });
  after(async () => {
    if (second) {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
  it('a message from a client on instance A reaches a client on instance B', async () => {
    const { doctor, patient, conversation } = await people(server, admin);
    const cid = conversation.id;
    const onA = connect(server, patient, { transports: ['websocket'] });
    const onB = connect(second, doctor, { transports: ['polling'] });
    await Promise.all([once(onA, 'connect'), once(onB, 'connect')]);
    await emit(onA, 'join', { conversation_id: cid });
    await emit(onB, 'join', { conversation_id: cid });
    const got = waitFor(onB, 'message', (m) => m.conversation_id === cid);
    const ack = await emit(onA, 'send', { conversation_id: cid, text: 'across instances', client_message_id: 'x-1' });
    assert.deepEqual(await got, ack.message);
    const typing = waitFor(onA, 'typing', (t) => t.conversation_id === cid);
    await emit(onB, 'typing', { conversation_id: cid, typing: true });
    assert.equal((await typing).user_id, doctor.user.id);
    const back = waitFor(onA, 'message', (m) => m.sender_id === doctor.user.id);
    await emit(onB, 'send', { conversation_id: cid, text: 'and back', client_message_id: 'x-2' });
    assert.equal((await back).text, 'and back');
    onA.disconnect();
    onB.disconnect();
  });

  it('a logout and a suspension made on instance A close the sockets held on instance B at once', async () => {
    const { doctor, patient, conversation } = await people(server, admin);
    const other = await login(server, patient.email, patient.password, { bearer: true });
    const loggedOut = connect(second, patient, { transports: ['polling'] });
    const kept = connect(second, { token: other.token }, { transports: ['websocket'] });
    const suspended = connect(second, doctor, { transports: ['websocket'] });
    await Promise.all([once(loggedOut, 'connect'), once(kept, 'connect'), once(suspended, 'connect')]);

    const told = once(loggedOut, 'session_ended', CLOSE_BOUND_MS);
    const gone = once(loggedOut, 'disconnect', CLOSE_BOUND_MS);
    assert.equal((await api(server, 'POST', '/api/v1/auth/logout', { session: { token: patient.token } })).status, 204);
    assert.deepEqual((await told)[0], { reason: 'logged_out' });
    assert.equal((await gone)[0], 'io server disconnect');

    const told2 = once(suspended, 'session_ended', CLOSE_BOUND_MS);
    const gone2 = once(suspended, 'disconnect', CLOSE_BOUND_MS);
    const r = await api(server, 'POST', `/api/v1/admin/doctors/${doctor.user.id}/suspend`, { session: rest(admin), body: { reason: 'Complaint.' } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual((await told2)[0], { reason: 'access_revoked' });
    assert.equal((await gone2)[0], 'io server disconnect');

    // The patient's other session on B is untouched.
    assert.ok(kept.connected);
    assert.ok((await emit(kept, 'history', { conversation_id: conversation.id })).messages);
    kept.disconnect();
  });
});
