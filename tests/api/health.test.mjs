// Health readings through the real server (SQLite, or PostgreSQL with MEDCORE_TEST_PG_URL): validation
// (422 naming the field and its range, nothing stored) for every kind, canonical units, paging and
// filters, the patient's time zone (series windows, local times in imported files, DST), CSV export,
// import preview / commit / idempotency and two commits of one file at once, soft delete with its audit
// row, doctors' reads (audited; refused without a treating relationship), and urgent readings (the fixed
// message in the answer, a value-free mail to the treating doctors only).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startServer, prepareEnv, api, assertProblem, signupPatient, signupDoctor, createAdmin, approveDoctor, count,
  readAudit, readOutbox, errorFields, sql, login,
} from './harness.mjs';

const DAY = 86_400_000;
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '.000Z');
const ago = (ms) => new Date(Date.now() - ms).toISOString();

let server, admin, ana, bo, doctor, stranger;

const record = (session, body) => api(server, 'POST', '/api/v1/health/readings', { session, body });
const readingsOf = (who) => count(server, 'health_readings', `patient_id = ${who.user.id} AND deleted_at IS NULL`);

before(async () => {
  server = await startServer();
  admin = await createAdmin(server);
  ana = await signupPatient(server, { name: 'Ana Lima', date_of_birth: '1980-04-01' });
  bo = await signupPatient(server, { name: 'Bo Berg', date_of_birth: '1960-01-02', sex: 'male' });
  doctor = await signupDoctor(server, { name: 'Dr Treating' });
  stranger = await signupDoctor(server, { name: 'Dr Stranger' });
  await approveDoctor(server, admin, doctor.user.id);
  await approveDoctor(server, admin, stranger.user.id);
  // Ana books the treating doctor: from then on he treats her (care::doctor_treats_patient).
  const weekly = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));
  const hours = await api(server, 'PUT', '/api/v1/doctor/availability', { session: doctor, body: { time_zone: 'UTC', slot_minutes: 30, weekly } });
  assert.equal(hours.status, 200, hours.text);
  const start = new Date(Math.ceil((Date.now() + 3 * 3_600_000) / 1_800_000) * 1_800_000).toISOString();
  const booked = await api(server, 'POST', '/api/v1/appointments', { session: ana, body: { doctor_id: doctor.user.id, start } });
  assert.equal(booked.status, 201, booked.text);
});
after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `clean shutdown: ${JSON.stringify(r)}`);
  }
});

describe('recording and validation', () => {
  // [body, fields the 422 must name, a fragment of the range message]
  const BAD = [
    [{ kind: 'blood_pressure', systolic: 320, diastolic: 80 }, ['systolic'], /50 and 300 mmHg/],
    [{ kind: 'blood_pressure', systolic: 120, diastolic: 130 }, ['diastolic'], /below the systolic/],
    [{ kind: 'blood_pressure', systolic: 120 }, ['diastolic'], /required/],
    [{ kind: 'blood_pressure', systolic: 120, diastolic: 80, pulse: 400 }, ['pulse'], /20 and 300/],
    [{ kind: 'blood_glucose', value: 2000, unit: 'mg_dl', context: 'fasting' }, ['value'], /10 and 1000 mg\/dL/],
    [{ kind: 'blood_glucose', value: 60, unit: 'mmol_l', context: 'fasting' }, ['value'], /0\.56 and 55\.5 mmol\/L/],
    [{ kind: 'blood_glucose', value: 100, unit: 'mg_dl' }, ['context'], /required/],
    [{ kind: 'heart_rate', value: 5 }, ['value'], /20 and 300/],
    [{ kind: 'body_weight', value: 7500, unit: 'kg' }, ['value'], /1 and 500 kg/],
    [{ kind: 'body_weight', value: 70, unit: 'mmhg' }, ['unit'], /kg, lb/],
    [{ kind: 'spo2', value: 30 }, ['value'], /50 and 100/],
    [{ kind: 'body_temperature', value: 60, unit: 'celsius' }, ['value'], /25 and 45/],
    [{ kind: 'body_temperature', value: 150, unit: 'fahrenheit' }, ['value'], /°F/],
    [{ kind: 'heart_rate', value: 70, measured_at: new Date(Date.now() + 3_600_000).toISOString() }, ['measured_at'], /ahead|future/],
    [{ kind: 'heart_rate', value: 70, measured_at: '1970-01-01T00:00:00Z' }, ['measured_at'], /birth/],
    [{ kind: 'bmi', value: 22 }, ['kind'], /computed/],
    [{ kind: 'heart_rate', value: 70, systolic: 120 }, ['systolic'], /not used/],
  ];
  for (const [body, fields, message] of BAD) {
    it(`refuses ${JSON.stringify(body)} with 422 on ${fields.join(', ')}, storing nothing`, async () => {
      const before = readingsOf(ana);
      const r = await record(ana, body);
      assertProblem(r, 422, 'validation');
      assert.deepEqual(errorFields(r).filter((f) => fields.includes(f)).sort(), [...fields].sort(), r.text);
      assert.match(r.json.errors.find((e) => e.field === fields[0]).message, message);
      assert.equal(readingsOf(ana), before);
    });
  }

  it('refuses malformed bodies, unknown kinds and fields, and everyone but patients', async () => {
    assertProblem(await api(server, 'POST', '/api/v1/health/readings', { session: ana, raw: '{"kind":' }), 400, 'malformed-json');
    const unknown = await record(ana, { kind: 'mood', value: 3 });
    assertProblem(unknown, 422, 'validation');
    assert.deepEqual(errorFields(unknown), ['kind']);
    assert.ok(errorFields(await record(ana, { kind: 'heart_rate', value: 70, colour: 'red' })).includes('colour'));
    assert.ok(errorFields(await record(ana, { kind: 'heart_rate', value: '70' })).includes('value'));
    assertProblem(await record(doctor, { kind: 'heart_rate', value: 70 }), 403, 'forbidden');
    assertProblem(await record(admin, { kind: 'heart_rate', value: 70 }), 403, 'forbidden');
    assertProblem(await api(server, 'POST', '/api/v1/health/readings', { body: { kind: 'heart_rate', value: 70 } }), 401, 'unauthenticated');
  });

  it('stores canonical values beside the value as entered, with LOINC/UCUM codes and the category', async () => {
    const glucose = await record(ana, { kind: 'blood_glucose', value: 7.0, unit: 'mmol_l', context: 'fasting', measured_at: ago(DAY), note: 'before breakfast' });
    assert.equal(glucose.status, 201, glucose.text);
    const g = glucose.json.reading;
    assert.equal(g.value, 126.112);
    assert.equal(g.unit, 'mg_dl');
    assert.equal(g.ucum, 'mg/dL');
    assert.deepEqual(g.entered, { value: 7, unit: 'mmol_l', symbol: 'mmol/L' });
    assert.deepEqual(g.category, { code: 'diabetes_range', guideline: 'ada_standards' });
    assert.equal(g.code.code, '2339-0');
    assert.equal(g.context, 'fasting');
    assert.equal(g.note, 'before breakfast');
    assert.equal(g.source, 'manual');
    assert.equal(glucose.json.urgent, null);

    const weight = await record(ana, { kind: 'body_weight', value: 154, unit: 'lb' });
    assert.equal(weight.status, 201, weight.text);
    assert.equal(weight.json.reading.value, 69.8532);
    assert.equal(weight.json.reading.category, null);

    const bp = await record(ana, { kind: 'blood_pressure', systolic: 132, diastolic: 78, pulse: 64 });
    assert.equal(bp.status, 201, bp.text);
    const b = bp.json.reading;
    assert.deepEqual([b.systolic, b.diastolic, b.pulse, b.value], [132, 78, 64, null]);
    assert.equal(b.code.code, '85354-9');
    assert.deepEqual(b.code.components.map((c) => c.code), ['8480-6', '8462-4']);
    assert.deepEqual(b.category, { code: 'stage_1', guideline: 'acc_aha_2017' });
    assert.equal(b.ucum, 'mm[Hg]');

    const t = await record(ana, { kind: 'body_temperature', value: 100.4, unit: 'fahrenheit' });
    assert.equal(t.json.reading.value, 38);
  });
});

describe('urgent readings', () => {
  it('answers a hypertensive crisis with the fixed message and mails the treating doctor, without values', async () => {
    const mailsBefore = readOutbox(server, { template: 'health_reading_attention' }).length;
    const r = await record(ana, { kind: 'blood_pressure', systolic: 185, diastolic: 100 });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.urgent.reason, 'hypertensive_crisis');
    assert.match(r.json.urgent.message, /emergency/i);
    assert.equal(r.json.reading.category.code, 'hypertensive_crisis');
    const mails = readOutbox(server, { template: 'health_reading_attention' }).slice(mailsBefore);
    assert.deepEqual(mails.map((m) => Number(m.to_user_id)), [doctor.user.id], 'the treating doctor only');
    assert.equal(mails[0].to_email, doctor.email);
    const data = JSON.stringify(mails[0].data);
    assert.doesNotMatch(data, /185|crisis|pressure|mmHg/i, 'the mail carries no values and no condition');
  });

  it('answers level-2 hypoglycaemia the same way; an ordinary reading mails nobody', async () => {
    const mailsBefore = readOutbox(server, { template: 'health_reading_attention' }).length;
    const low = await record(ana, { kind: 'blood_glucose', value: 2.8, unit: 'mmol_l', context: 'random' });
    assert.equal(low.status, 201, low.text);
    assert.equal(low.json.urgent.reason, 'severe_hypoglycaemia');
    assert.equal(readOutbox(server, { template: 'health_reading_attention' }).length, mailsBefore + 1);
    const fine = await record(ana, { kind: 'blood_glucose', value: 95, context: 'fasting' });
    assert.equal(fine.json.urgent, null);
    // Bo has no doctor: his crisis is answered, and nobody is mailed.
    const bos = await record(bo, { kind: 'blood_pressure', systolic: 200, diastolic: 125 });
    assert.equal(bos.json.urgent.reason, 'hypertensive_crisis');
    assert.equal(readOutbox(server, { template: 'health_reading_attention' }).length, mailsBefore + 1);
  });

  it('an edit that makes a reading urgent tells the doctor too', async () => {
    const r = await record(ana, { kind: 'blood_pressure', systolic: 150, diastolic: 90 });
    const mailsBefore = readOutbox(server, { template: 'health_reading_attention' }).length;
    const e = await api(server, 'PATCH', `/api/v1/health/readings/${r.json.reading.id}`, { session: ana, body: { systolic: 190 } });
    assert.equal(e.status, 200, e.text);
    assert.equal(e.json.urgent.reason, 'hypertensive_crisis');
    assert.equal(readOutbox(server, { template: 'health_reading_attention' }).length, mailsBefore + 1);
  });
});

describe('lists, edits and soft delete', () => {
  let cleo;
  before(async () => {
    cleo = await signupPatient(server, { name: 'Cleo Park' });
    for (let i = 0; i < 25; i++) {
      const r = await record(cleo, { kind: i % 2 ? 'heart_rate' : 'spo2', value: i % 2 ? 60 + i : 97, measured_at: ago((i + 1) * 3_600_000) });
      assert.equal(r.status, 201, r.text);
    }
  });

  it('pages newest measurement first with no reading twice or missed', async () => {
    const seen = [];
    let cursor = null;
    let pages = 0;
    do {
      const r = await api(server, 'GET', `/api/v1/health/readings?limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { session: cleo });
      assert.equal(r.status, 200, r.text);
      seen.push(...r.json.items);
      cursor = r.json.next_cursor;
      pages += 1;
    } while (cursor);
    assert.equal(pages, 3);
    assert.equal(seen.length, 25);
    assert.equal(new Set(seen.map((x) => x.id)).size, 25);
    const times = seen.map((x) => Date.parse(x.measured_at));
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
  });

  it('filters by kind and by a time range, and refuses bad parameters', async () => {
    const hr = await api(server, 'GET', '/api/v1/health/readings?kind=heart_rate&limit=100', { session: cleo });
    assert.equal(hr.json.items.length, 12);
    assert.ok(hr.json.items.every((x) => x.kind === 'heart_rate'));
    const from = ago(5.5 * 3_600_000), to = ago(1.5 * 3_600_000);
    const ranged = await api(server, 'GET', `/api/v1/health/readings?from=${from}&to=${to}`, { session: cleo });
    assert.equal(ranged.json.items.length, 4); // the readings 2, 3, 4 and 5 hours ago
    for (const q of ['kind=mood', 'from=yesterday', 'cursor=nope', 'limit=0', `from=${to}&to=${from}`])
      assertProblem(await api(server, 'GET', `/api/v1/health/readings?${q}`, { session: cleo }), 400, 'bad-request');
  });

  it('edits only the patient\'s own readings, validated as a whole; the kind cannot change', async () => {
    const r = await record(cleo, { kind: 'blood_glucose', value: 100, context: 'fasting', note: 'x' });
    const path = `/api/v1/health/readings/${r.json.reading.id}`;
    const e = await api(server, 'PATCH', path, { session: cleo, body: { value: 5.0, unit: 'mmol_l', note: null } });
    assert.equal(e.status, 200, e.text);
    assert.equal(e.json.reading.value, 90.08);
    assert.equal(e.json.reading.note, null);
    assert.equal(e.json.reading.context, 'fasting');
    assertProblem(await api(server, 'PATCH', path, { session: cleo, body: { kind: 'heart_rate' } }), 422, 'validation');
    const bad = await api(server, 'PATCH', path, { session: cleo, body: { value: 5000 } });
    assertProblem(bad, 422, 'validation');
    assert.match(bad.json.errors[0].message, /mmol\/L/);
    assertProblem(await api(server, 'PATCH', path, { session: bo, body: { value: 90 } }), 404, 'not-found');
    const still = await api(server, 'GET', '/api/v1/health/readings?kind=blood_glucose', { session: cleo });
    assert.equal(still.json.items[0].value, 90.08);
  });

  it('deletes softly: gone from lists and exports, kept in the table, audited; a second delete is 404', async () => {
    const r = await record(cleo, { kind: 'heart_rate', value: 99, note: 'to delete' });
    const id = r.json.reading.id;
    assertProblem(await api(server, 'DELETE', `/api/v1/health/readings/${id}`, { session: bo }), 404, 'not-found');
    const d = await api(server, 'DELETE', `/api/v1/health/readings/${id}`, { session: cleo });
    assert.equal(d.status, 204, d.text);
    const [row] = sql(server, `SELECT deleted_at, deleted_by FROM health_readings WHERE id = ${id}`);
    assert.ok(Number(row.deleted_at) > 0);
    assert.equal(Number(row.deleted_by), cleo.user.id);
    const audit = readAudit(server, { action: 'health.reading_deleted' }).filter((a) => Number(a.subject_user_id) === cleo.user.id);
    assert.equal(audit.length, 1);
    assert.equal(Number(audit[0].actor_user_id), cleo.user.id);
    const details = typeof audit[0].details === 'string' ? JSON.parse(audit[0].details) : audit[0].details;
    assert.equal(details.reading_id, id);
    const list = await api(server, 'GET', '/api/v1/health/readings?limit=100', { session: cleo });
    assert.ok(!list.json.items.some((x) => x.id === id));
    const csv = await api(server, 'GET', '/api/v1/health/export', { session: cleo });
    assert.doesNotMatch(csv.text, /to delete/);
    assertProblem(await api(server, 'DELETE', `/api/v1/health/readings/${id}`, { session: cleo }), 404, 'not-found');
    assertProblem(await api(server, 'PATCH', `/api/v1/health/readings/${id}`, { session: cleo, body: { value: 70 } }), 404, 'not-found');
  });
});

describe('time zones and series', () => {
  // Asia/Kolkata is UTC+05:30 all year: local midnight is 18:30 UTC the day before.
  const OFFSET = 5.5 * 3_600_000;
  let dee;
  before(async () => {
    dee = await signupPatient(server, { name: 'Dee Rao' });
    const me = await api(server, 'PATCH', '/api/v1/me', { session: dee, body: { time_zone: 'Asia/Kolkata' } });
    assert.equal(me.status, 200, me.text);
  });

  it('windows a series from local midnight of its first day and dates readings in the patient\'s zone', async () => {
    const localNow = new Date(Date.now() + OFFSET);
    const todayMidnightUtc = Date.UTC(localNow.getUTCFullYear(), localNow.getUTCMonth(), localNow.getUTCDate()) - OFFSET;
    const firstDay = todayMidnightUtc - 6 * DAY;
    const inside = await record(dee, { kind: 'heart_rate', value: 70, measured_at: iso(firstDay) });
    const outside = await record(dee, { kind: 'heart_rate', value: 71, measured_at: iso(firstDay - 60_000) });
    assert.equal(inside.status, 201, inside.text);
    assert.equal(outside.status, 201, outside.text);
    assert.equal(inside.json.reading.local_date, new Date(firstDay + OFFSET).toISOString().slice(0, 10));
    assert.equal(outside.json.reading.local_date, new Date(firstDay - DAY + OFFSET).toISOString().slice(0, 10));
    const s = await api(server, 'GET', '/api/v1/health/series?kind=heart_rate&days=7', { session: dee });
    assert.equal(s.status, 200, s.text);
    assert.equal(s.json.time_zone, 'Asia/Kolkata');
    assert.equal(Date.parse(s.json.from), firstDay);
    assert.deepEqual(s.json.readings.map((x) => x.value), [70]);
    const month = await api(server, 'GET', '/api/v1/health/series?kind=heart_rate&days=30', { session: dee });
    assert.deepEqual(month.json.readings.map((x) => x.value), [71, 70]);
    for (const q of ['kind=heart_rate&days=14', 'kind=mood', 'days=7', 'kind=bmi'])
      assertProblem(await api(server, 'GET', `/api/v1/health/series?${q}`, { session: dee }), 400, 'bad-request');
  });

  it('gives the trend with a rising slope, category shares and the 7-day home blood pressure', async () => {
    const eve = await signupPatient(server, { name: 'Eve Stone' });
    // Two readings a day for 10 days, systolic rising 1 mmHg a day (7 a week).
    for (let d = 9; d >= 0; d--) {
      for (const h of [1, 10]) {
        const r = await record(eve, { kind: 'blood_pressure', systolic: 120 + (9 - d), diastolic: 78, measured_at: ago(d * DAY + h * 3_600_000) });
        assert.equal(r.status, 201, r.text);
      }
    }
    const s = await api(server, 'GET', '/api/v1/health/series?kind=blood_pressure&days=30', { session: eve });
    assert.equal(s.status, 200, s.text);
    assert.equal(s.json.readings.length, 20);
    assert.deepEqual(s.json.categories, ['normal', 'elevated', 'stage_1', 'stage_2', 'hypertensive_crisis']);
    const systolic = s.json.trend.series.find((x) => x.name === 'systolic');
    assert.equal(systolic.count, 20);
    assert.ok(Math.abs(systolic.slope_per_week.value - 7) < 0.5, JSON.stringify(systolic));
    assert.ok(systolic.slope_per_week.standard_error < 1);
    assert.equal(s.json.trend.shares.reduce((n, x) => n + x.count, 0), 20);
    assert.equal(s.json.trend.guideline.code, 'acc_aha_2017');
    const home = s.json.home_blood_pressure;
    assert.ok(home.count >= 12 && home.count <= 14, JSON.stringify(home));
    assert.ok(home.enough);
    assert.ok(home.systolic > 120 && home.systolic < 130);
  });
});

describe('CSV import and export', () => {
  let fay;
  before(async () => {
    fay = await signupPatient(server, { name: 'Fay Moss', date_of_birth: '1970-05-05' });
    const me = await api(server, 'PATCH', '/api/v1/me', { session: fay, body: { time_zone: 'America/New_York' } });
    assert.equal(me.status, 200, me.text);
  });
  const FILE = [
    'measured_at,kind,value,unit,systolic,diastolic,pulse,context,note',
    '2026-03-08 02:30,heart_rate,72,per_min,,,,,spring forward gap',
    '2026-11-01 01:30,heart_rate,73,per_min,,,,,"falls twice, the first"',
    '2026-06-01T08:00:00Z,blood_pressure,,mmhg,128,82,70,,',
    '2026-06-01 07:00,blood_glucose,"5,6",mmol_l,,,,fasting,',
    '2026-06-02 07:00,blood_pressure,,mmhg,400,80,,,typo',
    '2026-06-02 07:00,heart_rate,72,per_min,,,,,spring forward gap',
    '',
  ].join('\r\n');

  it('previews every row with its status and errors and writes nothing', async () => {
    const r = await api(server, 'POST', '/api/v1/health/imports/preview', { session: fay, body: { csv: FILE } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.counts, { rows: 6, ok: 5, invalid: 1, already_imported: 0, repeated: 0 });
    const byLine = Object.fromEntries(r.json.rows.map((x) => [x.line, x]));
    // Local times read in America/New_York: a time in the spring-forward gap moves forward by the gap,
    // one that happens twice is the first (EDT).
    assert.equal(byLine[2].reading.measured_at, '2026-03-08T07:30:00.000Z');
    assert.equal(byLine[3].reading.measured_at, '2026-11-01T05:30:00.000Z');
    assert.equal(byLine[3].reading.note, 'falls twice, the first');
    assert.equal(byLine[5].reading.value, 100.8896);
    assert.equal(byLine[6].status, 'invalid');
    assert.deepEqual(byLine[6].errors.map((e) => e.field), ['systolic']);
    assert.equal(count(server, 'health_readings', `patient_id = ${fay.user.id}`), 0);
  });

  it('refuses files without the columns it needs', async () => {
    for (const csv of ['', 'when,what\n1,2\n', 'measured_at,kind\n"2026-06-01,heart_rate\n']) {
      const r = await api(server, 'POST', '/api/v1/health/imports/preview', { session: fay, body: { csv } });
      assertProblem(r, 422, 'validation');
      assert.deepEqual(errorFields(r), ['csv']);
    }
  });

  it('commits the accepted rows once: the same file again adds nothing', async () => {
    const first = await api(server, 'POST', '/api/v1/health/imports', { session: fay, body: { csv: FILE, lines: [2, 3, 4] } });
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.json, { added: 3, already_imported: 0, invalid: 1, left_out: 2 });
    const all = await api(server, 'POST', '/api/v1/health/imports', { session: fay, body: { csv: FILE } });
    assert.deepEqual(all.json, { added: 2, already_imported: 3, invalid: 1, left_out: 0 });
    const again = await api(server, 'POST', '/api/v1/health/imports', { session: fay, body: { csv: FILE } });
    assert.deepEqual(again.json, { added: 0, already_imported: 5, invalid: 1, left_out: 0 });
    assert.equal(count(server, 'health_readings', `patient_id = ${fay.user.id}`), 5);
    assert.equal(count(server, 'health_readings', `patient_id = ${fay.user.id} AND source = 'import'`), 5);
    const preview = await api(server, 'POST', '/api/v1/health/imports/preview', { session: fay, body: { csv: FILE } });
    assert.equal(preview.json.counts.already_imported, 5);
    assertProblem(await api(server, 'POST', '/api/v1/health/imports', { session: fay, body: { csv: FILE, lines: [6] } }), 422, 'validation');
  });

  it('two commits of one file at once add every row once', async () => {
    const gus = await signupPatient(server, { name: 'Gus Hale' });
    const rows = ['measured_at,kind,value,unit'];
    for (let i = 0; i < 40; i++) rows.push(`${iso(Date.now() - (i + 1) * 3_600_000)},heart_rate,${60 + i},per_min`);
    const csv = rows.join('\n');
    const answers = await Promise.all([1, 2, 3].map(() => api(server, 'POST', '/api/v1/health/imports', { session: gus, body: { csv } })));
    for (const a of answers) assert.equal(a.status, 200, a.text);
    assert.equal(answers.reduce((n, a) => n + a.json.added, 0), 40);
    assert.equal(count(server, 'health_readings', `patient_id = ${gus.user.id}`), 40);
  });

  it('exports the patient\'s own readings in the import format, formulas neutralised', async () => {
    await record(fay, { kind: 'heart_rate', value: 65, note: '=HYPERLINK("x")', measured_at: ago(DAY) });
    const r = await api(server, 'GET', '/api/v1/health/export', { session: fay });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/csv/);
    assert.match(r.headers.get('content-disposition'), /attachment/);
    const lines = r.text.trim().split('\r\n');
    assert.equal(lines[0], 'measured_at,kind,value,unit,systolic,diastolic,pulse,context,note');
    assert.equal(lines.length, 1 + 6);
    assert.ok(lines.includes('2026-06-01T08:00:00.000Z,blood_pressure,,mmhg,128,82,70,,'), r.text);
    assert.ok(lines.some((l) => l.endsWith(',"\'=HYPERLINK(""x"")"')), r.text);
    // Bo's export holds only Bo's.
    const bos = await api(server, 'GET', '/api/v1/health/export', { session: bo });
    assert.ok(!bos.text.includes('HYPERLINK'));
    assertProblem(await api(server, 'GET', '/api/v1/health/export', { session: doctor }), 403, 'forbidden');
  });
});

describe('doctors\' reads', () => {
  it('lets a treating doctor read readings and series, audited; a stranger and admins are refused', async () => {
    const audited = () => readAudit(server, { action: 'health.readings_viewed' });
    const before = audited().length;
    const list = await api(server, 'GET', `/api/v1/patients/${ana.user.id}/health/readings?limit=5`, { session: doctor });
    assert.equal(list.status, 200, list.text);
    assert.ok(list.json.items.length > 0 && list.json.items.every((x) => x.patient_id === ana.user.id));
    const series = await api(server, 'GET', `/api/v1/patients/${ana.user.id}/health/series?kind=blood_pressure&days=7`, { session: doctor });
    assert.equal(series.status, 200, series.text);
    const rows = audited().slice(before);
    assert.equal(rows.length, 2);
    assert.ok(rows.every((r) => Number(r.actor_user_id) === doctor.user.id && Number(r.subject_user_id) === ana.user.id));
    assertProblem(await api(server, 'GET', `/api/v1/patients/${ana.user.id}/health/readings`, { session: stranger }), 403, 'forbidden');
    assertProblem(await api(server, 'GET', `/api/v1/patients/${bo.user.id}/health/series?kind=heart_rate`, { session: doctor }), 403, 'forbidden');
    assertProblem(await api(server, 'GET', `/api/v1/patients/${ana.user.id}/health/readings`, { session: admin }), 403, 'forbidden');
    assertProblem(await api(server, 'GET', `/api/v1/patients/${ana.user.id}/health/readings`, { session: bo }), 403, 'forbidden');
    // A bad parameter is refused before anything is audited.
    assertProblem(await api(server, 'GET', `/api/v1/patients/${ana.user.id}/health/series?kind=mood`, { session: doctor }), 400, 'bad-request');
    assert.equal(audited().length, before + 2);
    // The patient reads her own through the same route, unaudited.
    assert.equal((await api(server, 'GET', `/api/v1/patients/${ana.user.id}/health/readings`, { session: ana })).status, 200);
    assert.equal(audited().length, before + 2);
  });
});

describe('demo data', () => {
  it('seeds months of readings for every demo patient, one with a clearly rising blood pressure', async () => {
    const e = await prepareEnv();
    let demo;
    try {
      const r = await e.cli(['seed', '--demo']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Demo health readings: \d+ for \d+ patients/);
      const patients = fs.readFileSync(path.join(e.varDir, 'demo-credentials.txt'), 'utf8').split('\n')
        .filter((l) => l.startsWith('patient ')).map((l) => l.split(' '));
      assert.ok(patients.length >= 2);
      demo = await startServer({ ctx: e });
      const slopes = [];
      for (const [, email, password] of patients) {
        const who = await login(demo, email, password);
        const s = await api(demo, 'GET', '/api/v1/health/series?kind=blood_pressure&days=90', { session: who });
        assert.equal(s.status, 200, s.text);
        assert.ok(s.json.readings.length > 120, `${email}: ${s.json.readings.length} readings in 90 days`);
        assert.ok(s.json.home_blood_pressure.count >= 8, JSON.stringify(s.json.home_blood_pressure));
        const sys = s.json.trend.series.find((x) => x.name === 'systolic').slope_per_week;
        slopes.push(sys.value > 2 * sys.standard_error ? sys.value : 0);
      }
      assert.ok(slopes[0] > 0.5, `the first demo patient's systolic rises: ${slopes}`);
      assert.equal(slopes.slice(1).filter((x) => x > 0.5).length, 0, `only the first rises: ${slopes}`);
    } finally {
      if (demo) await demo.stop();
      await e.dropDatabase();
    }
  });
});
