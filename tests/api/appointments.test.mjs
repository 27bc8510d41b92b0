// Appointments: doctors' hours, free slots, booking with conflicts and alternatives, the
// double-booking race, Idempotency-Key, reschedule, cancel, outcomes, .ics, reminders, mail and
// authorization — over HTTP against a real server (SQLite or PostgreSQL).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, api, assertProblem, errorFields, signupPatient, signupDoctor, createAdmin, approveDoctor,
  readOutbox, readAudit, sql, sqlExec, count, sleep,
} from './harness.mjs';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const ALL_DAY = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));

let server, admin;
before(async () => {
  server = await startServer({ env: { MEDCORE_JOBS_POLL_MS: '50' } });
  admin = await createAdmin(server);
});
after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `clean shutdown: ${JSON.stringify(r)}\n${server.output.stderr.slice(-2000)}`);
  }
});

// A half-hour boundary (UTC) at least `ahead` ms from now, plus `k` slots.
function slotAt(ahead, k = 0) {
  const t = Math.ceil((Date.now() + ahead) / (30 * MIN)) * 30 * MIN + k * 30 * MIN;
  return new Date(t).toISOString();
}

async function approvedDoctor(overrides = {}, hours = { time_zone: 'Asia/Kolkata', slot_minutes: 30, weekly: ALL_DAY }) {
  const d = await signupDoctor(server, overrides);
  await approveDoctor(server, admin, d.user.id);
  if (hours) {
    const r = await api(server, 'PUT', '/api/v1/doctor/availability', { session: d, body: hours });
    assert.equal(r.status, 200, r.text);
  }
  return d;
}

const book = (patient, doctor, start, extra = {}, headers = {}) =>
  api(server, 'POST', '/api/v1/appointments', { session: patient, body: { doctor_id: doctor.user.id, start, ...extra }, headers });

function assertAlternatives(res, doctorId) {
  const alts = res.json.alternatives;
  assert.ok(Array.isArray(alts) && alts.length > 0, 'alternatives offered: ' + res.text);
  for (const a of alts) {
    for (const k of ['doctor_id', 'doctor_name', 'specialty', 'same_doctor', 'start', 'end', 'local_start', 'time_zone']) assert.ok(k in a, k);
    assert.equal(a.same_doctor, a.doctor_id === doctorId);
  }
  return alts;
}

describe('doctor hours', () => {
  it('validates weekly hours field by field and publishes them', async () => {
    const d = await approvedDoctor({}, null);
    const empty = await api(server, 'GET', '/api/v1/doctor/availability', { session: d });
    assert.equal(empty.status, 200);
    assert.equal(empty.json.published, false);
    const bad = await api(server, 'PUT', '/api/v1/doctor/availability', {
      session: d,
      body: { time_zone: 'Mars/Olympus', slot_minutes: 7, weekly: [
        { weekday: 8, start: '09:00', end: '12:00' },
        { weekday: 1, start: '12:00', end: '09:00' },
        { weekday: 2, start: '9:00', end: '12:00' },
      ], extra: 1 },
    });
    assertProblem(bad, 422, 'validation');
    for (const f of ['time_zone', 'slot_minutes', 'weekly[0].weekday', 'weekly[1].end', 'weekly[2].start', 'extra'])
      assert.ok(errorFields(bad).includes(f), `${f} in ${bad.text}`);
    const overlap = await api(server, 'PUT', '/api/v1/doctor/availability', {
      session: d, body: { time_zone: 'Europe/Lisbon', slot_minutes: 30, weekly: [
        { weekday: 1, start: '09:00', end: '12:00' }, { weekday: 1, start: '11:00', end: '13:00' }] },
    });
    assertProblem(overlap, 422, 'validation');
    assert.deepEqual(errorFields(overlap), ['weekly[1]']);
    assert.equal((await api(server, 'GET', '/api/v1/doctor/availability', { session: d })).json.published, false, 'nothing written');

    const ok = await api(server, 'PUT', '/api/v1/doctor/availability', {
      session: d, body: { time_zone: 'Europe/Lisbon', slot_minutes: 20, weekly: [
        { weekday: 1, start: '09:00', end: '12:00' }, { weekday: 1, start: '14:00', end: '24:00' }] },
    });
    assert.equal(ok.status, 200, ok.text);
    const got = await api(server, 'GET', '/api/v1/doctor/availability', { session: d });
    assert.equal(got.json.published, true);
    assert.equal(got.json.time_zone, 'Europe/Lisbon');
    assert.equal(got.json.slot_minutes, 20);
    assert.deepEqual(got.json.weekly, [{ weekday: 1, start: '09:00', end: '12:00' }, { weekday: 1, start: '14:00', end: '24:00' }]);
  });

  it('only approved doctors manage hours', async () => {
    const pending = await signupDoctor(server);
    assertProblem(await api(server, 'GET', '/api/v1/doctor/availability', { session: pending }), 403, 'doctor-not-approved');
    const p = await signupPatient(server);
    assertProblem(await api(server, 'PUT', '/api/v1/doctor/availability', { session: p, body: { time_zone: 'UTC', slot_minutes: 30, weekly: [] } }), 403, 'forbidden');
    assertProblem(await api(server, 'GET', '/api/v1/doctor/availability'), 401, 'unauthenticated');
  });

  it('new hours never drop bookings: the doctor is told which fall outside', async () => {
    const d = await approvedDoctor();
    const p = await signupPatient(server);
    const start = slotAt(3 * DAY);
    const b = await book(p, d, start);
    assert.equal(b.status, 201, b.text);
    const weekday = ((new Date(start).getUTCDay() + 6) % 7) + 1;
    const other = weekday === 7 ? 1 : weekday + 1;
    const r = await api(server, 'PUT', '/api/v1/doctor/availability', {
      session: d, body: { time_zone: 'UTC', slot_minutes: 30, weekly: [{ weekday: other, start: '09:00', end: '10:00' }] },
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.outside_hours.map((a) => a.id), [b.json.id]);
    const still = await api(server, 'GET', `/api/v1/appointments/${b.json.id}`, { session: p });
    assert.equal(still.json.status, 'booked');
  });

  it('a day off removes that day\'s slots and lists affected bookings; deleting it brings them back', async () => {
    const d = await approvedDoctor({}, { time_zone: 'UTC', slot_minutes: 30, weekly: ALL_DAY });
    const p = await signupPatient(server);
    const start = slotAt(5 * DAY);
    const day = start.slice(0, 10);
    const b = await book(p, d, start);
    assert.equal(b.status, 201, b.text);
    const bad = await api(server, 'POST', '/api/v1/doctor/availability/exceptions', { session: d, body: { date: day, kind: 'extra' } });
    assertProblem(bad, 422, 'validation');
    const off = await api(server, 'POST', '/api/v1/doctor/availability/exceptions', { session: d, body: { date: day, kind: 'off', note: 'Conference' } });
    assert.equal(off.status, 201, off.text);
    assert.deepEqual(off.json.outside_hours.map((a) => a.id), [b.json.id]);
    const q = `?from=${day}T00:00:00Z&to=${day}T23:59:59Z`;
    assert.equal((await api(server, 'GET', `/api/v1/doctors/${d.user.id}/slots${q}`)).json.slots.length, 0);
    const del = await api(server, 'DELETE', `/api/v1/doctor/availability/exceptions/${off.json.exception.id}`, { session: d });
    assert.equal(del.status, 204);
    assert.equal((await api(server, 'GET', `/api/v1/doctors/${d.user.id}/slots${q}`)).json.slots.length, 47);  // 48 minus the booking
    assertProblem(await api(server, 'DELETE', `/api/v1/doctor/availability/exceptions/${off.json.exception.id}`, { session: d }), 404, 'not-found');
  });
});

describe('free slots', () => {
  let doctor;
  before(async () => { doctor = await approvedDoctor({ specialty: 'Slotology' }); });

  it('lists free slots in UTC and the doctor\'s local time, never inside the lead time or beyond the horizon', async () => {
    const from = new Date(Date.now() - DAY).toISOString();
    const r = await api(server, 'GET', `/api/v1/doctors/${doctor.user.id}/slots?from=${from}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.time_zone, 'Asia/Kolkata');
    assert.equal(r.json.slot_minutes, 30);
    const first = Date.parse(r.json.slots[0].start);
    assert.ok(first >= Date.now() + HOUR - 5000, 'not inside the 1 h lead time');
    assert.ok(first < Date.now() + HOUR + 30 * MIN + 5000, 'the first free slot after the lead time');
    assert.match(r.json.slots[0].local_start, /\+05:30$/);
    assert.equal(Date.parse(r.json.slots[0].local_start), first);
    const far = await api(server, 'GET', `/api/v1/doctors/${doctor.user.id}/slots?from=${new Date(Date.now() + 55 * DAY).toISOString()}&to=${new Date(Date.now() + 70 * DAY).toISOString()}`);
    const last = Date.parse(far.json.slots.at(-1).start);
    assert.ok(last <= Date.now() + 60 * DAY, 'not beyond the 60-day horizon');
    assert.ok(last > Date.now() + 60 * DAY - HOUR);
  });

  it('refuses bad ranges and unknown or unapproved doctors', async () => {
    assertProblem(await api(server, 'GET', `/api/v1/doctors/${doctor.user.id}/slots?from=tomorrow`), 400, 'bad-request');
    assertProblem(await api(server, 'GET', `/api/v1/doctors/${doctor.user.id}/slots?from=2030-01-02&to=2030-01-01`), 400, 'bad-request');
    assertProblem(await api(server, 'GET', `/api/v1/doctors/${doctor.user.id}/slots?from=2030-01-01&to=2030-04-01`), 400, 'bad-request');
    assertProblem(await api(server, 'GET', '/api/v1/doctors/999999/slots'), 404, 'not-found');
    const pending = await signupDoctor(server);
    assertProblem(await api(server, 'GET', `/api/v1/doctors/${pending.user.id}/slots`), 404, 'not-found');
  });
});

describe('booking', () => {
  let doctor, colleague, patient, other;
  before(async () => {
    doctor = await approvedDoctor({ name: 'Dr Kavya Rao', specialty: 'Bookology' });
    colleague = await approvedDoctor({ name: 'Dr Second Opinion', specialty: 'Bookology' }, { time_zone: 'UTC', slot_minutes: 30, weekly: ALL_DAY });
    patient = await signupPatient(server, { name: 'Ana Lima', time_zone: 'Europe/Lisbon' });
    other = await signupPatient(server, { name: 'Bea Other' });
  });

  it('books a free slot: 201, mails to both in their zones, reminders scheduled, audited', async () => {
    const start = slotAt(3 * DAY);
    const r = await book(patient, doctor, start, { reason: 'Chest pain when climbing stairs' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers.get('location'), `/api/v1/appointments/${r.json.id}`);
    assert.equal(r.json.status, 'booked');
    assert.equal(r.json.start, start);
    assert.equal(Date.parse(r.json.end) - Date.parse(start), 30 * MIN);
    assert.equal(r.json.doctor.id, doctor.user.id);
    assert.equal(r.json.patient.id, patient.user.id);
    assert.equal(r.json.can_cancel, true);
    assert.equal(r.json.can_reschedule, true);

    const toPatient = readOutbox(server, { template: 'appointment_confirmed', to: patient.email });
    const toDoctor = readOutbox(server, { template: 'appointment_confirmed', to: doctor.email });
    assert.equal(toPatient.length, 1);
    assert.equal(toDoctor.length, 1);
    assert.equal(toPatient[0].data.with_name, 'Dr Kavya Rao');
    assert.match(toPatient[0].data.starts_at, /\(Europe\/Lisbon\)$/);
    assert.match(toDoctor[0].data.starts_at, /\(Asia\/Kolkata\)$/);
    assert.equal(toDoctor[0].data.with_name, 'Ana Lima (patient)');
    assert.equal(toDoctor[0].data.reason, 'Chest pain when climbing stairs');

    const jobs = sql(server, `SELECT dedupe_key, run_at, status FROM jobs WHERE dedupe_key LIKE 'appointment:${r.json.id}:%' ORDER BY run_at`);
    assert.deepEqual(jobs.map((j) => [j.dedupe_key, Number(j.run_at), j.status]), [
      [`appointment:${r.json.id}:reminder:24h`, Date.parse(start) - DAY, 'pending'],
      [`appointment:${r.json.id}:reminder:1h`, Date.parse(start) - HOUR, 'pending'],
    ]);
    const audit = readAudit(server, { action: 'appointments.booked' }).filter((a) => Number(a.subject_user_id) === patient.user.id);
    assert.equal(audit.length, 1);
    assert.equal(Number(audit[0].actor_user_id), patient.user.id);
  });

  it('a taken slot is a 409 with the same doctor\'s nearest slots and a colleague\'s at that time', async () => {
    const start = slotAt(4 * DAY);
    assert.equal((await book(patient, doctor, start)).status, 201);
    const before = count(server, 'appointments');
    const r = await book(other, doctor, start);
    assertProblem(r, 409, 'slot-taken');
    const alts = assertAlternatives(r, doctor.user.id);
    const same = alts.filter((a) => a.same_doctor).map((a) => Date.parse(a.start));
    assert.ok(same.includes(Date.parse(start) - 30 * MIN), 'the slot before');
    assert.ok(same.includes(Date.parse(start) + 30 * MIN), 'the slot after');
    assert.ok(!same.includes(Date.parse(start)), 'never the taken slot');
    const col = alts.filter((a) => !a.same_doctor);
    assert.ok(col.some((a) => a.doctor_id === colleague.user.id && a.start === start), 'the colleague at the asked time');
    assert.equal(count(server, 'appointments'), before, 'nothing written');
    // Picking an alternative works.
    const pick = alts.find((a) => a.same_doctor);
    assert.equal((await book(other, doctor, pick.start)).status, 201);
  });

  it('off-grid and out-of-hours starts are 409 slot-unavailable; outside the window is 422', async () => {
    const offGrid = new Date(Date.parse(slotAt(3 * DAY)) + 10 * MIN).toISOString();
    const r = await book(patient, doctor, offGrid);
    assertProblem(r, 409, 'slot-unavailable');
    assertAlternatives(r, doctor.user.id);
    for (const start of [new Date(Date.now() - HOUR).toISOString(), slotAt(10 * MIN), slotAt(61 * DAY)]) {
      const w = await book(patient, doctor, start);
      assertProblem(w, 422, 'validation');
      assert.deepEqual(errorFields(w), ['start']);
    }
  });

  it('a patient cannot be in two places at once (409 patient-overlap, offers only times they are free)', async () => {
    const start = slotAt(6 * DAY);
    assert.equal((await book(other, colleague, start)).status, 201);
    const r = await book(other, doctor, start);
    assertProblem(r, 409, 'patient-overlap');
    for (const a of assertAlternatives(r, doctor.user.id)) assert.notEqual(a.start, start);
  });

  it('rejects bad bodies field by field with nothing written', async () => {
    const before = count(server, 'appointments');
    const r = await api(server, 'POST', '/api/v1/appointments', { session: patient, body: { doctor_id: 'x', start: 'soon', reason: 'a'.repeat(501), colour: 'red' } });
    assertProblem(r, 422, 'validation');
    assert.deepEqual(errorFields(r).sort(), ['colour', 'doctor_id', 'reason', 'start']);
    const pending = await signupDoctor(server);
    const p2 = await book(patient, pending, slotAt(3 * DAY));
    assertProblem(p2, 422, 'validation');
    assert.deepEqual(errorFields(p2), ['doctor_id']);
    assertProblem(await api(server, 'POST', '/api/v1/appointments', { session: patient, raw: '{"doctor_id":' }), 400, 'malformed-json');
    assertProblem(await book(doctor, colleague, slotAt(3 * DAY)), 403, 'forbidden');
    assert.equal(count(server, 'appointments'), before);
  });

  it('Idempotency-Key: a retry returns the first answer, never a second booking', async () => {
    const start = slotAt(7 * DAY);
    const headers = { 'Idempotency-Key': 'retry-me-1' };
    const first = await book(patient, doctor, start, {}, headers);
    assert.equal(first.status, 201, first.text);
    const again = await book(patient, doctor, start, {}, headers);
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(again.json, first.json);
    assert.equal(count(server, 'appointments', `patient_id = ${patient.user.id} AND start_at = ${Date.parse(start)}`), 1);
    const reused = await book(patient, doctor, slotAt(7 * DAY, 2), {}, headers);
    assertProblem(reused, 422, 'idempotency-key-reused');
    assertProblem(await book(patient, doctor, start, {}, { 'Idempotency-Key': 'bad key with spaces' }), 400, 'bad-request');
  });

  it('Idempotency-Key under a race: ten concurrent retries, one booking, one id', async () => {
    const start = slotAt(8 * DAY);
    const rs = await Promise.all(Array.from({ length: 10 }, () => book(patient, doctor, start, {}, { 'Idempotency-Key': 'race-key' })));
    assert.deepEqual(rs.map((r) => r.status), Array(10).fill(201), rs.map((r) => r.text).join('\n'));
    assert.equal(new Set(rs.map((r) => r.json.id)).size, 1);
    assert.equal(count(server, 'appointments', `patient_id = ${patient.user.id} AND start_at = ${Date.parse(start)}`), 1);
  });

  it('race: 50 clients book the same slot at once → exactly one 201 and 49 × 409 with alternatives', async () => {
    const patients = [];
    for (let i = 0; i < 50; i++) patients.push(await signupPatient(server, { name: `Racer ${i}` }));
    const start = slotAt(9 * DAY);
    const rs = await Promise.all(patients.map((p) => book(p, doctor, start)));
    const created = rs.filter((r) => r.status === 201);
    const conflicts = rs.filter((r) => r.status === 409);
    assert.equal(created.length, 1, rs.map((r) => r.status).join(','));
    assert.equal(conflicts.length, 49);
    for (const c of conflicts) {
      assertProblem(c, 409, 'slot-taken');
      assertAlternatives(c, doctor.user.id);
    }
    assert.equal(count(server, 'appointments', `doctor_id = ${doctor.user.id} AND start_at = ${Date.parse(start)} AND status <> 'cancelled'`), 1);
  });
});

describe('my appointments', () => {
  let doctor, patient, stranger, strangerDoctor;
  before(async () => {
    doctor = await approvedDoctor({ specialty: 'Listology' });
    patient = await signupPatient(server);
    stranger = await signupPatient(server);
    strangerDoctor = await approvedDoctor();
  });

  it('reschedule moves the booking atomically: old slot free, new slot taken, mails, reminders moved', async () => {
    const a = await book(patient, doctor, slotAt(3 * DAY));
    assert.equal(a.status, 201);
    const to = slotAt(5 * DAY);
    const r = await api(server, 'POST', `/api/v1/appointments/${a.json.id}/reschedule`, { session: patient, body: { start: to } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.id, a.json.id);
    assert.equal(r.json.start, to);
    assert.equal(r.json.reschedule_count, 1);
    const old = a.json.start;
    const slots = (await api(server, 'GET', `/api/v1/doctors/${doctor.user.id}/slots?from=${old}&to=${new Date(Date.parse(to) + HOUR).toISOString()}`)).json.slots.map((s) => s.start);
    assert.ok(slots.includes(old), 'the old slot is free again');
    assert.ok(!slots.includes(to), 'the new slot is taken');
    assert.equal(readOutbox(server, { template: 'appointment_rescheduled', to: patient.email }).length, 1);
    assert.equal(readOutbox(server, { template: 'appointment_rescheduled', to: doctor.email }).length, 1);
    const jobs = sql(server, `SELECT run_at FROM jobs WHERE dedupe_key = 'appointment:${a.json.id}:reminder:24h' AND status = 'pending'`);
    assert.deepEqual(jobs.map((j) => Number(j.run_at)), [Date.parse(to) - DAY]);

    // Moving onto a taken slot changes nothing.
    const taken = slotAt(6 * DAY);
    assert.equal((await book(stranger, doctor, taken)).status, 201);
    const c = await api(server, 'POST', `/api/v1/appointments/${a.json.id}/reschedule`, { session: patient, body: { start: taken } });
    assertProblem(c, 409, 'slot-taken');
    assertAlternatives(c, doctor.user.id);
    assert.equal((await api(server, 'GET', `/api/v1/appointments/${a.json.id}`, { session: patient })).json.start, to);
  });

  it('cancel frees the slot, drops the reminders and mails both; a doctor must give a reason', async () => {
    const start = slotAt(4 * DAY, 3);
    const a = await book(patient, doctor, start);
    const r = await api(server, 'POST', `/api/v1/appointments/${a.json.id}/cancel`, { session: patient, body: { reason: 'Feeling better' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'cancelled');
    assert.equal(r.json.cancelled_by, 'patient');
    assert.equal(count(server, 'jobs', `dedupe_key LIKE 'appointment:${a.json.id}:%' AND status = 'pending'`), 0);
    assert.equal(readOutbox(server, { template: 'appointment_cancelled', to: doctor.email }).filter((m) => m.data.appointment_id === a.json.id).length, 1);
    assertProblem(await api(server, 'POST', `/api/v1/appointments/${a.json.id}/cancel`, { session: patient }), 409, 'appointment-not-active');
    assert.equal((await book(stranger, doctor, start)).status, 201, 'the slot is bookable again');

    const b = await book(patient, doctor, slotAt(4 * DAY, 5));
    assertProblem(await api(server, 'POST', `/api/v1/appointments/${b.json.id}/cancel`, { session: doctor }), 422, 'validation');
    const byDoctor = await api(server, 'POST', `/api/v1/appointments/${b.json.id}/cancel`, { session: doctor, body: { reason: 'Unwell' } });
    assert.equal(byDoctor.status, 200);
    assert.equal(byDoctor.json.cancelled_by, 'doctor');
    const mail = readOutbox(server, { template: 'appointment_cancelled', to: patient.email }).find((m) => m.data.appointment_id === b.json.id);
    assert.equal(mail.data.reason, 'Unwell');
  });

  it('patients cannot cancel or move inside the cut-off; the doctor still can cancel', async () => {
    const a = await book(patient, doctor, slotAt(90 * MIN));  // inside the 2 h cut-off
    assert.equal(a.status, 201, a.text);
    assert.equal(a.json.can_cancel, false);
    assertProblem(await api(server, 'POST', `/api/v1/appointments/${a.json.id}/cancel`, { session: patient }), 409, 'too-late-to-change');
    assertProblem(await api(server, 'POST', `/api/v1/appointments/${a.json.id}/reschedule`, { session: patient, body: { start: slotAt(5 * DAY, 7) } }), 409, 'too-late-to-change');
    assert.equal((await api(server, 'POST', `/api/v1/appointments/${a.json.id}/cancel`, { session: doctor, body: { reason: 'Emergency' } })).status, 200);
  });

  it('outcomes: only once started, only by the doctor, only once', async () => {
    const a = await book(patient, doctor, slotAt(3 * DAY, 9));
    assertProblem(await api(server, 'POST', `/api/v1/appointments/${a.json.id}/complete`, { session: doctor }), 409, 'appointment-not-started');
    // Let time pass: the appointment started ten minutes ago.
    const start = Date.now() - 10 * MIN;
    sqlExec(server, `UPDATE appointments SET start_at = ${start}, end_at = ${start + 30 * MIN} WHERE id = ${a.json.id}`);
    assertProblem(await api(server, 'POST', `/api/v1/appointments/${a.json.id}/complete`, { session: patient }), 403, 'forbidden');
    const done = await api(server, 'POST', `/api/v1/appointments/${a.json.id}/complete`, { session: doctor });
    assert.equal(done.status, 200, done.text);
    assert.equal(done.json.status, 'completed');
    assertProblem(await api(server, 'POST', `/api/v1/appointments/${a.json.id}/no-show`, { session: doctor }), 409, 'appointment-not-active');
  });

  it('lists upcoming (soonest first) and past, paged by cursor; the doctor\'s agenda shows the bookings', async () => {
    const p = await signupPatient(server);
    const ids = [];
    for (let k = 0; k < 5; k++) ids.push((await book(p, doctor, slotAt(10 * DAY, 2 * k))).json.id);
    const seen = [];
    let cursor = null;
    do {
      const r = await api(server, 'GET', `/api/v1/appointments?scope=upcoming&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { session: p });
      assert.equal(r.status, 200, r.text);
      assert.ok(r.json.items.length <= 2);
      seen.push(...r.json.items.map((a) => a.id));
      cursor = r.json.next_cursor;
    } while (cursor);
    assert.deepEqual(seen, ids);
    const agenda = await api(server, 'GET', `/api/v1/appointments?scope=upcoming&from=${slotAt(10 * DAY)}&limit=100`, { session: doctor });
    for (const id of ids) assert.ok(agenda.json.items.some((a) => a.id === id));
    sqlExec(server, `UPDATE appointments SET start_at = start_at - ${20 * DAY}, end_at = end_at - ${20 * DAY} WHERE id = ${ids[0]}`);
    const past = await api(server, 'GET', '/api/v1/appointments?scope=past', { session: p });
    assert.deepEqual(past.json.items.map((a) => a.id), [ids[0]]);
    assertProblem(await api(server, 'GET', '/api/v1/appointments?scope=soon', { session: p }), 400, 'bad-request');
    assertProblem(await api(server, 'GET', '/api/v1/appointments?cursor=nope', { session: p }), 400, 'bad-request');
  });

  it('.ics is a valid iCalendar event at the booked time', async () => {
    const a = await book(patient, doctor, slotAt(12 * DAY), { reason: 'Check-up, yearly; bring results' });
    const r = await api(server, 'GET', `/api/v1/appointments/${a.json.id}.ics`, { session: patient });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/calendar/);
    assert.match(r.headers.get('content-disposition'), /attachment; filename="appointment-\d+\.ics"/);
    assert.ok(r.text.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n'));
    const dt = a.json.start.replace(/[-:]/g, '').replace(/\.000Z$/, 'Z');
    assert.ok(r.text.includes(`DTSTART:${dt}\r\n`), r.text);
    assert.ok(r.text.includes(`UID:appointment-${a.json.id}@app.test\r\n`));
    assert.ok(r.text.includes('Check-up\\, yearly\\; bring results'));
    assert.ok(!/[^\r]\n/.test(r.text), 'CRLF line endings only');
  });

  it('nobody but the two participants sees or changes an appointment', async () => {
    const a = await book(patient, doctor, slotAt(13 * DAY));
    const id = a.json.id;
    for (const s of [stranger, strangerDoctor]) {
      assertProblem(await api(server, 'GET', `/api/v1/appointments/${id}`, { session: s }), 404, 'not-found');
      assertProblem(await api(server, 'GET', `/api/v1/appointments/${id}.ics`, { session: s }), 404, 'not-found');
      assertProblem(await api(server, 'POST', `/api/v1/appointments/${id}/cancel`, { session: s, body: { reason: 'x' } }), 404, 'not-found');
      const list = await api(server, 'GET', '/api/v1/appointments?limit=100', { session: s });
      assert.ok(!list.json.items.some((x) => x.id === id));
    }
    assertProblem(await api(server, 'POST', `/api/v1/appointments/${id}/reschedule`, { session: stranger, body: { start: slotAt(14 * DAY) } }), 404, 'not-found');
    assertProblem(await api(server, 'POST', `/api/v1/appointments/${id}/complete`, { session: strangerDoctor }), 404, 'not-found');
    assertProblem(await api(server, 'GET', `/api/v1/appointments/${id}`, { session: admin }), 403, 'forbidden');
    assertProblem(await api(server, 'GET', `/api/v1/appointments/${id}`), 401, 'unauthenticated');
    assertProblem(await api(server, 'POST', `/api/v1/appointments/${id}/cancel`, { session: patient, csrf: false }), 403, 'csrf');
    assert.equal((await api(server, 'GET', `/api/v1/appointments/${id}`, { session: patient })).json.status, 'booked');
  });
});

describe('reminders', () => {
  it('a due reminder mails both sides; a patient who switched reminders off gets none', async () => {
    const doctor = await approvedDoctor({ specialty: 'Remindology' });
    const keen = await signupPatient(server);
    const quiet = await signupPatient(server);
    assert.equal((await api(server, 'PATCH', '/api/v1/me/notifications', { session: quiet, body: { reminders: false } })).status, 200);
    const a = await book(keen, doctor, slotAt(3 * DAY));
    const b = await book(quiet, doctor, slotAt(3 * DAY, 1));
    const keys = `dedupe_key IN ('appointment:${a.json.id}:reminder:24h', 'appointment:${b.json.id}:reminder:24h')`;
    sqlExec(server, `UPDATE jobs SET run_at = 0 WHERE ${keys}`);
    // Both jobs done: their mails (or none, for the quiet patient) are in the outbox.
    const deadline = Date.now() + 15_000;
    while (count(server, 'jobs', `${keys} AND status = 'done'`) < 2 && Date.now() < deadline) await sleep(100);
    assert.equal(count(server, 'jobs', `${keys} AND status = 'done'`), 2, 'both reminder jobs ran');
    const reminders = () => readOutbox(server, { template: 'appointment_reminder' }).filter((m) => [a.json.id, b.json.id].includes(m.data.appointment_id));
    const got = reminders().map((m) => `${m.data.appointment_id}:${m.to_email}`).sort();
    assert.deepEqual(got, [`${a.json.id}:${doctor.email}`, `${a.json.id}:${keen.email}`, `${b.json.id}:${doctor.email}`].sort());
    assert.equal(reminders().find((m) => m.to_email === keen.email).category, 'appointments.reminder');
  });

  it('a reminder for a time the appointment no longer has sends nothing', async () => {
    const doctor = await approvedDoctor({ specialty: 'Remindology' });
    const p = await signupPatient(server);
    const a = await book(p, doctor, slotAt(3 * DAY));
    // A stale job (as if left from before a move) fires: the appointment is not at that time.
    sqlExec(server, `INSERT INTO jobs (kind, payload, status, run_at, attempts, max_attempts, created_at) VALUES ('appointments.reminder', '{"appointment_id":${a.json.id},"start_at":1,"lead":"24h"}', 'pending', 0, 0, 3, 0)`);
    const deadline = Date.now() + 10_000;
    while (count(server, 'jobs', `kind = 'appointments.reminder' AND payload LIKE '%"start_at":1,%' AND status = 'done'`) === 0 && Date.now() < deadline) await sleep(100);
    assert.equal(count(server, 'jobs', `kind = 'appointments.reminder' AND payload LIKE '%"start_at":1,%' AND status = 'done'`), 1);
    assert.equal(readOutbox(server, { template: 'appointment_reminder' }).filter((m) => m.data.appointment_id === a.json.id).length, 0);
  });
});
