// Bad input: every operation of docs/openapi.json that takes a JSON body gets broken bodies
// generated from its request schema; the answer is always a documented 4xx problem document,
// never a 5xx, and nothing is written to any table of the database.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, api, assertProblem, signupPatient, signupDoctor, createAdmin, approveDoctor,
  uniqueEmail, count, healthy, rawRequest, PASSWORD, patientBody, doctorBody, login, sql, readAudit,
} from './harness.mjs';
import { openapi, conforms } from './support/contract.mjs';

const PAYLOADS = ["' OR 1=1 --", '<script>alert(1)</script>', '"; DROP TABLE users; --'];
const DAY = 86_400_000;
const HEALTH_CSV = 'measured_at,kind,value,unit\n2026-01-05T08:00:00Z,heart_rate,64,per_min\n';

let server;
const S = {};
const T = {};

// A half-hour boundary (UTC) at least `ahead` ms from now.
const slotAt = (ahead) => new Date(Math.ceil((Date.now() + ahead) / 1_800_000) * 1_800_000).toISOString();
const dateAhead = (days) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);

// How to drive each operation that takes a JSON body: who calls it, its path parameters, and a
// valid body the sweep breaks one field at a time (the valid body itself is never sent). Keyed by
// operationId; an operation of docs/openapi.json missing here fails the completeness test.
// lenient: fields whose breakage the route may answer with another documented 4xx than a 422
// naming the field, and why.
const FIXTURES = {
  signup: [
    { label: 'patient', session: null, base: () => patientBody({ password: PASSWORD }) },
    { label: 'doctor', session: null, base: () => doctorBody() },
  ],
  login: [{
    session: null, base: () => ({ email: uniqueEmail('nobody'), password: 'wrong password!' }),
    lenient: { email: 'any string is looked up; an unknown one is 401 invalid-credentials', password: 'never judged, only verified: 401' },
  }],
  updateMe: [
    { label: 'patient', session: 'patient', base: () => ({ name: 'Pat Ient', phone: '+351 900 000 000', date_of_birth: '1991-02-03', sex: 'female', time_zone: 'Europe/Lisbon' }) },
    { label: 'doctor', session: 'doctor', base: () => ({ name: 'Dr Doc', phone: '+351 900 000 001', bio: 'Bio.', years_experience: 5, consultation_fee_cents: 100 }) },
  ],
  forgotPassword: [{ session: null, base: () => ({ email: uniqueEmail('nobody') }) }],
  resetPassword: [{
    session: null, base: () => ({ token: 'not-a-real-token-0000000000', password: 'a long new password' }),
    lenient: { token: 'any string is looked up; an unknown one is 400 invalid-token' },
  }],
  changePassword: [{
    session: 'patient', base: () => ({ current_password: 'not my password', new_password: 'a long new password' }),
    lenient: { current_password: 'never judged, only verified: 403/401' },
  }],
  rejectDoctor: [{ session: 'admin', path: () => `/api/v1/admin/doctors/${T.pendingDoctor}/reject`, base: () => ({ reason: 'Could not verify.' }) }],
  suspendDoctor: [{ session: 'admin', path: () => `/api/v1/admin/doctors/${T.approvedDoctor}/suspend`, base: () => ({ reason: 'Under review.' }) }],
  createAdmin: [{ session: 'admin', base: () => ({ name: 'Another Admin', email: uniqueEmail('admin'), password: 'a long admin password' }) }],
  updateNotificationPreferences: [{ session: 'patient', base: () => ({ reminders: false, chat: false }) }],
  setMyAvailability: [{
    session: 'approved', base: () => ({ time_zone: 'Europe/Lisbon', slot_minutes: 20, weekly: [{ weekday: 2, start: '09:00', end: '12:00' }] }),
  }],
  addAvailabilityException: [{
    session: 'approved', base: () => ({ date: dateAhead(20), kind: 'extra', start: '06:00', end: '07:00', note: 'Early clinic' }),
  }],
  bookAppointment: [{
    session: 'patient', base: () => ({ doctor_id: T.approvedDoctor, start: slotAt(5 * DAY), reason: 'Check-up' }),
    lenient: { doctor_id: 'an id with no approved doctor is 404 not-found', start: 'a well-formed time that is no free slot is 409 slot-unavailable' },
  }],
  cancelAppointment: [{ session: 'patient', path: () => `/api/v1/appointments/${T.appointment}/cancel`, base: () => ({ reason: 'Cannot come.' }) }],
  rescheduleAppointment: [{
    session: 'patient', path: () => `/api/v1/appointments/${T.appointment}/reschedule`, base: () => ({ start: slotAt(6 * DAY) }),
    lenient: { start: 'a well-formed time that is no free slot is 409 slot-unavailable' },
  }],
  createPrediction: [
    {
      label: 'heart', session: 'patient', path: () => '/api/v1/predictions/heart',
      base: () => ({ age: 63, sex: 1, cp: 4, trestbps: 145, chol: 233, fbs: 1, restecg: 2, thalach: 150, exang: 0, oldpeak: 2.3, slope: 3, ca: 0, thal: '6' }),
    },
    {
      label: 'diabetes', session: 'patient', path: () => '/api/v1/predictions/diabetes',
      base: () => ({ pregnancies: 2, glucose: 168, blood_pressure: 72, skin_thickness: 35, insulin: 120, bmi: 38.2, diabetes_pedigree_function: 0.6, age: 45 }),
    },
    {
      label: 'stroke', session: 'patient', path: () => '/api/v1/predictions/stroke',
      base: () => ({ gender: 'Male', age: 67, hypertension: 0, heart_disease: 1, ever_married: 'Yes', work_type: 'Private', residence_type: 'Urban', avg_glucose_level: 228.69, bmi: 36.6, smoking_status: 'formerly smoked' }),
    },
  ],
  // Health readings: a glucose reading of the patient's (made in before()) to edit; a small import file.
  recordHealthReading: [{
    session: 'patient',
    base: () => ({ kind: 'blood_glucose', value: 5.4, unit: 'mmol_l', context: 'fasting', measured_at: new Date(Date.now() - DAY).toISOString(), note: 'Before breakfast' }),
  }],
  editHealthReading: [{
    session: 'patient', path: () => `/api/v1/health/readings/${T.healthReading}`,
    base: () => ({ value: 5.6, unit: 'mmol_l', context: 'fasting', note: 'Corrected' }),
  }],
  previewHealthImport: [{ session: 'patient', base: () => ({ csv: HEALTH_CSV }) }],
  askHealthAdvice: [{ session: 'patient', base: () => ({ days: 30 }) }],
  setAiSettings: [{ session: 'admin', base: () => ({ enabled: false }) }],
  commitHealthImport: [{ session: 'patient', base: () => ({ csv: HEALTH_CSV, lines: [2] }) }],
  startConversation: [{
    session: 'patient', base: () => ({ doctor_id: T.approvedDoctor }),
    lenient: { doctor_id: 'an id with no approved doctor is 404 not-found' },
  }],
  sendMessage: [{ session: 'patient', path: () => `/api/v1/conversations/${T.conversation}/messages`, base: () => ({ text: 'Hello doctor', client_message_id: `bad-input-${Date.now()}` }) }],
  markConversationRead: [{ session: 'approved', path: () => `/api/v1/conversations/${T.conversation}/read`, base: () => ({ message_id: T.message }) }],
};

// Every operation whose request body is JSON, from the document itself.
const JSON_BODY_OPERATIONS = [];
for (const [template, item] of Object.entries(openapi.paths)) {
  for (const [method, op] of Object.entries(item)) {
    const media = op?.requestBody?.content?.['application/json'];
    if (media) JSON_BODY_OPERATIONS.push({ method: method.toUpperCase(), template, op, schema: media.schema });
  }
}

function resolve(schema) {
  let s = schema;
  while (s?.$ref) s = s.$ref.replace(/^#\//, '').split('/').reduce((n, k) => n?.[k], openapi);
  return s;
}

// The request schema a fixture's base body is meant for: a oneOf picks the variant whose const
// members (signup's role) the base body has.
function bodySchema(schema, base) {
  const s = resolve(schema);
  if (!s.oneOf) return s;
  const variant = s.oneOf.map(resolve).find((v) => Object.entries(v.properties || {}).every(([k, p]) => p.const === undefined || base[k] === p.const));
  assert.ok(variant, `no oneOf variant fits ${JSON.stringify(base)}`);
  return variant;
}

const typesOf = (s) => {
  if (s.type) return Array.isArray(s.type) ? s.type : [s.type];
  if (s.const !== undefined) return [s.const === null ? 'null' : Number.isInteger(s.const) ? 'integer' : typeof s.const];
  if (s.enum) return [...new Set(s.enum.map((v) => (v === null ? 'null' : Number.isInteger(v) ? 'integer' : typeof v)))];
  return null; // any
};
const SAMPLES = { string: ['12', 'text'], integer: [7], number: [1.5], boolean: [true], object: [{}], array: [['a']], null: [null] };
function wrongTypeValues(s) {
  const allowed = typesOf(s);
  if (!allowed) return [];
  const ok = new Set(allowed);
  if (ok.has('number')) ok.add('integer');
  const out = [];
  for (const [t, values] of Object.entries(SAMPLES)) {
    if (ok.has(t)) continue;
    for (const v of values) if (t !== 'string' || v !== '12' || ok.has('integer')) out.push(v);
  }
  if (!ok.has('string')) out.push('text');
  return [...new Set(out.map((v) => JSON.stringify(v)))].map((v) => JSON.parse(v));
}

const BAD_FORMATS = {
  date: ['1990-02-30', '1990-13-01', '01/04/1990', 'yesterday', ''],
  'date-time': ['tomorrow', '2030-13-01T10:00:00Z', '2030-01-01 10:00', ''],
  'idn-email': ['not-an-email', 'a@', '@b.org', 'a b@c.org', 'dr.\u0430na@clinic.example', 'ana\u200b@clinic.example', ''],
};
// Rules the schema states in words only (descriptions): a past birth date, age at most 130; an IANA zone.
const SEMANTIC = {
  date_of_birth: ['2999-01-01', '1850-01-01'],
  time_zone: ['Mars/Olympus', ''],
};
const PATTERN_PROBES = ['', ' ', '!', 'a b', '\u0000x', 'x\ny', '<x>', 'é', '9', '99:99', '12:5'];

// Values of the field's own type that break its schema: bounds, lengths, enum, pattern, format.
function outOfRangeValues(field, s) {
  const out = [];
  const types = typesOf(s) || [];
  if (s.enum || s.const !== undefined) {
    const known = s.enum || [s.const];
    if (known.every((v) => typeof v === 'string')) out.push(`not-${known[0]}`, String(known[0]).toUpperCase(), '');
    if (known.every((v) => typeof v === 'number')) out.push(Math.max(...known) + 1);
  }
  if (types.includes('string')) {
    if (s.minLength > 0) out.push('x'.repeat(s.minLength - 1));
    if (s.maxLength !== undefined) out.push('x'.repeat(s.maxLength + 1));
    if (s.pattern) {
      const re = new RegExp(s.pattern, 'u');
      out.push(...PATTERN_PROBES.filter((p) => !re.test(p)).slice(0, 4));
    }
    if (s.format && BAD_FORMATS[s.format]) out.push(...BAD_FORMATS[s.format]);
    if (SEMANTIC[field]) out.push(...SEMANTIC[field]);
  }
  if (types.includes('integer') || types.includes('number')) {
    if (s.minimum !== undefined) out.push(s.minimum - 1);
    if (s.maximum !== undefined) out.push(s.maximum + 1);
    if (s.multipleOf) out.push((s.minimum ?? 0) + s.multipleOf + 1);
    if (types.includes('integer')) out.push(1e20);
  }
  return [...new Set(out.map((v) => JSON.stringify(v)))].map((v) => JSON.parse(v));
}

// One broken body per case: {what, body, field (the errors[].field the 422 must name, or a prefix
// of it for nested members), strict (a 422 naming the field is required)}.
function cases(fixture, schema) {
  const base = fixture.base();
  const out = [];
  const lenient = fixture.lenient || {};
  const props = { ...(schema.properties || {}) };
  // Free-form maps (PredictionInput): the base body's keys are its members.
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    for (const k of Object.keys(base)) props[k] ??= schema.additionalProperties;
  }
  const required = new Set(schema.required || []);
  const add = (what, field, mutate, strict = true) => {
    const body = structuredClone(base);
    mutate(body);
    out.push({ what, field, body, strict: strict && !lenient[field.split(/[.[]/)[0]] });
  };
  for (const [field, raw] of Object.entries(props)) {
    const s = resolve(raw);
    for (const v of wrongTypeValues(s)) add(`${field}=${JSON.stringify(v)} (wrong type)`, field, (b) => { b[field] = v; });
    for (const v of outOfRangeValues(field, s)) add(`${field}=${JSON.stringify(v).slice(0, 40)} (breaks its schema)`, field, (b) => { b[field] = v; });
    if (typesOf(s)?.includes('string')) {
      // 256 KiB: far over any field's limit, well under the 1 MiB body limit.
      add(`${field}=<256 KiB string>`, field, (b) => { b[field] = 'x'.repeat(256 * 1024); }, s.maxLength !== undefined || !!s.pattern || !!s.format);
    }
    if (required.has(field)) add(`missing ${field}`, field, (b) => { delete b[field]; });
    // Arrays of objects: break the first item's members the same way.
    const items = s.type === 'array' ? resolve(s.items) : null;
    if (items?.properties && Array.isArray(base[field]) && base[field].length) {
      if (s.maxItems !== undefined) add(`${field} with ${s.maxItems + 1} items`, field, (b) => { b[field] = Array(s.maxItems + 1).fill(b[field][0]); });
      for (const [member, mraw] of Object.entries(items.properties)) {
        const ms = resolve(mraw);
        const path = `${field}[0].${member}`;
        for (const v of [...wrongTypeValues(ms), ...outOfRangeValues(member, ms)]) add(`${path}=${JSON.stringify(v)}`, path, (b) => { b[field][0][member] = v; });
        if ((items.required || []).includes(member)) add(`missing ${path}`, path, (b) => { delete b[field][0][member]; });
      }
      if (items.additionalProperties === false) add(`${field}[0].unknown_member`, `${field}[0].unknown_member`, (b) => { b[field][0].unknown_member = 1; });
    }
  }
  if (schema.additionalProperties === false) {
    for (const extra of ['unknown_field', 'is_admin', 'id']) add(`unknown ${extra}`, extra, (b) => { b[extra] = 1; });
  }
  return out;
}

function problemIssues(r, status, slug, field) {
  const out = [];
  if (r.status >= 500) out.push(`5xx! ${r.status}`);
  if (status && r.status !== status) out.push(`status ${r.status} != ${status}`);
  if (!status && (r.status < 400 || r.status > 499)) out.push(`status ${r.status} is not a 4xx`);
  const ct = r.headers.get('content-type') || '';
  if (!/^application\/problem\+json/.test(ct)) out.push(`content-type ${ct}`);
  const j = r.json;
  if (!j || typeof j !== 'object') return [...out, 'body not JSON'];
  if (slug && j.type !== `urn:medcore:problem:${slug}`) out.push(`type ${j.type}`);
  if (typeof j.title !== 'string' || typeof j.detail !== 'string' || j.status !== r.status) out.push('title/detail/status members');
  if (r.status === 422) {
    if (!Array.isArray(j.errors) || !j.errors.every((e) => typeof e.field === 'string' && typeof e.message === 'string')) out.push('errors[]');
    else if (field && !j.errors.some((e) => e.field === field || e.field.startsWith(field + '[') || e.field.startsWith(field + '.'))) out.push(`errors do not name ${field}: ${JSON.stringify(j.errors)}`);
  }
  return out;
}

// Every fixture with its operation: [{name, operationId, method, path(), session, fixture, schema}].
const ROUTES = [];
for (const o of JSON_BODY_OPERATIONS) {
  for (const fixture of FIXTURES[o.op.operationId] || []) {
    ROUTES.push({
      name: `${o.op.operationId}${fixture.label ? ` (${fixture.label})` : ''}`,
      method: o.method,
      path: fixture.path || (() => o.template),
      session: fixture.session,
      fixture,
      requestSchema: o.schema,
    });
  }
}

async function send(route, opts) {
  return api(server, route.method, route.path(), { session: route.session ? S[route.session] : null, ...opts });
}

// The database's own list of tables, and a row count of each.
function tables() {
  const rows = server.sqliteFile
    ? sql(server, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    : sql(server, 'SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename');
  return rows.map((r) => r.name);
}
const countAll = () => Object.fromEntries(tables().map((t) => [t, count(server, t)]));

before(async () => {
  server = await startServer();
  S.admin = await createAdmin(server);
  S.patient = await signupPatient(server);
  S.doctor = await signupDoctor(server, { name: 'Dr Doc' });
  T.pendingDoctor = (await signupDoctor(server, { name: 'Dr Pending' })).user.id;
  S.approved = await signupDoctor(server, { name: 'Dr Approved' });
  T.approvedDoctor = S.approved.user.id;
  await approveDoctor(server, S.admin, T.approvedDoctor);
  // Path parameter fixtures: hours to book in, an appointment, a conversation with a message.
  const weekly = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));
  const hours = await api(server, 'PUT', '/api/v1/doctor/availability', { session: S.approved, body: { time_zone: 'UTC', slot_minutes: 30, weekly } });
  assert.equal(hours.status, 200, hours.text);
  const booked = await api(server, 'POST', '/api/v1/appointments', { session: S.patient, body: { doctor_id: T.approvedDoctor, start: slotAt(3 * DAY) } });
  assert.equal(booked.status, 201, booked.text);
  T.appointment = booked.json.id;
  const conv = await api(server, 'POST', '/api/v1/conversations', { session: S.patient, body: { doctor_id: T.approvedDoctor } });
  assert.equal(conv.status, 201, conv.text);
  T.conversation = conv.json.id;
  const msg = await api(server, 'POST', `/api/v1/conversations/${T.conversation}/messages`, { session: S.patient, body: { text: 'First', client_message_id: 'first' } });
  assert.equal(msg.status, 201, msg.text);
  T.message = msg.json.id;
  const reading = await api(server, 'POST', '/api/v1/health/readings', { session: S.patient, body: { kind: 'blood_glucose', value: 100, context: 'fasting' } });
  assert.equal(reading.status, 201, reading.text);
  T.healthReading = reading.json.reading.id;
});
after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `clean shutdown: ${JSON.stringify(r)}`);
  }
});

it('the sweep drives every operation of docs/openapi.json that takes a JSON body', () => {
  const missing = JSON_BODY_OPERATIONS.filter((o) => !FIXTURES[o.op.operationId]?.length).map((o) => `${o.method} ${o.template} (${o.op.operationId})`);
  assert.deepEqual(missing, [], 'operations with a JSON body and no fixture in bad-input.test.mjs');
  const stale = Object.keys(FIXTURES).filter((id) => !JSON_BODY_OPERATIONS.some((o) => o.op.operationId === id));
  assert.deepEqual(stale, [], 'fixtures for operations docs/openapi.json no longer has');
  assert.ok(JSON_BODY_OPERATIONS.length >= 19, `${JSON_BODY_OPERATIONS.length} operations`);
});

describe('malformed bodies change nothing', () => {
  let before0;
  before(async () => {
    // Mail from the set-up is delivered first: the sweep must find every table as it left it.
    const deadline = Date.now() + 20_000;
    while (count(server, 'outbox', "status IN ('pending', 'sending')") > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    before0 = { counts: countAll(), audit: readAudit(server).length };
  });

  for (const route of ROUTES) {
    it(`${route.name}: broken JSON, non-objects, invalid UTF-8 → 400 malformed-json`, async () => {
      const failures = [];
      const raws = [
        '{"name": ', '{', '}', '{"a":1,}', "{'email': 'x'}", 'null', '[]', '[{"email":"a@b.org"}]', '"a string"', '42', 'true',
        '{"email":"a@b.org"} trailing', '\u0000', '{"a":' + '['.repeat(10000) + ']'.repeat(10000) + '}',
        Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]),
        Buffer.concat([Buffer.from('{"email":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('@example.org"}')]),
        Buffer.concat([Buffer.from('{"email":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('@example.org"}')]),
      ];
      for (const raw of raws) {
        const r = await send(route, { raw });
        const issues = problemIssues(r, 400, 'malformed-json');
        if (issues.length) failures.push(`${JSON.stringify(String(raw).slice(0, 40))}: ${issues.join('; ')}`);
      }
      assert.deepEqual(failures, []);
    });

    it(`${route.name}: bodies that break the schema (types, required, nulls, ranges, enums, patterns, formats, huge strings, unknown members) → 4xx`, async () => {
      const schema = bodySchema(route.requestSchema, route.fixture.base());
      const all = cases(route.fixture, schema);
      assert.ok(all.length > 0, 'the schema yields cases');
      const failures = [];
      for (const c of all) {
        const r = await send(route, { body: c.body });
        const issues = c.strict ? problemIssues(r, 422, 'validation', c.field) : problemIssues(r, null, null, null);
        if (issues.length) failures.push(`${c.what}: ${issues.join('; ')}`);
      }
      assert.deepEqual(failures, []);
    });

    it(`${route.name}: non-JSON content type → 415`, async () => {
      const failures = [];
      const body = JSON.stringify(route.fixture.base());
      for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonx']) {
        const r = await send(route, { raw: body, headers: { 'content-type': ct } });
        const issues = problemIssues(r, 415, 'unsupported-media-type');
        if (issues.length) failures.push(`${ct}: ${issues.join('; ')}`);
      }
      assert.deepEqual(failures, []);
    });

    it(`${route.name}: body over 1 MiB → 413`, async () => {
      const field = Object.keys(route.fixture.base())[0];
      const big = JSON.stringify({ ...route.fixture.base(), [field]: 'x'.repeat(1024 * 1024 + 16) });
      assertProblem(await send(route, { raw: big }), 413, 'payload-too-large');
    });
  }

  it('missing Content-Type with a body → 415', async () => {
    const body = JSON.stringify({ email: 'a@example.org', password: 'wrong password!' });
    const r = await rawRequest(server, `POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    assert.equal(r.status, 415);
    assert.match(r.headers['content-type'] || '', /^application\/problem\+json/);
  });

  it('application/json with a charset parameter is accepted', async () => {
    const r = await api(server, 'POST', '/api/v1/auth/login', { raw: JSON.stringify({ email: uniqueEmail('x'), password: 'wrong password!' }), headers: { 'content-type': 'application/json; charset=utf-8' } });
    assertProblem(r, 401, 'invalid-credentials');
  });

  it('nothing was written to any table and the server is healthy', async () => {
    const after0 = countAll();
    // The one legitimate write: a well-formed login with unknown credentials is audited.
    const newAudit = readAudit(server).slice(before0.audit);
    assert.deepEqual([...new Set(newAudit.map((a) => a.action))].filter((a) => a !== 'auth.login_failed'), [], 'only failed logins are audited');
    assert.ok(newAudit.length >= 1, 'the charset login above was audited as a failure');
    assert.deepEqual(after0, { ...before0.counts, audit_log: before0.counts.audit_log + newAudit.length }, 'row counts of every table');
    assert.ok(Object.keys(after0).length >= 20, `tables listed from the database: ${Object.keys(after0)}`);
    const me = await api(server, 'GET', '/api/v1/me', { session: S.patient });
    assert.equal(me.json.user.name, 'Ana Lima', 'patient unchanged');
    const doc = await api(server, 'GET', '/api/v1/me', { session: S.doctor });
    assert.equal(doc.json.user.name, 'Dr Doc');
    assert.equal(doc.json.user.doctor.years_experience, 12);
    const pend = await api(server, 'GET', '/api/v1/admin/doctors?status=pending&limit=100', { session: S.admin });
    assert.ok(pend.json.items.some((d) => d.id === T.pendingDoctor), 'pending doctor still pending');
    const appt = await api(server, 'GET', `/api/v1/appointments/${T.appointment}`, { session: S.patient });
    assert.equal(appt.json.status, 'booked', 'appointment neither cancelled nor moved');
    const prefs = await api(server, 'GET', '/api/v1/me/notifications', { session: S.patient });
    assert.deepEqual(prefs.json, { reminders: true, chat: true }, 'notification preferences unchanged');
    const hours = await api(server, 'GET', '/api/v1/doctor/availability', { session: S.approved });
    assert.equal(hours.json.slot_minutes, 30, 'weekly hours unchanged');
    assert.ok(await healthy(server));
    await login(server, S.patient.email);
  });
});

// Operations whose success changes the fixture the other routes need (covered below with fresh targets).
const MUTATES_FIXTURE = new Set(['rejectDoctor', 'suspendDoctor', 'cancelAppointment', 'rescheduleAppointment']);
// A payload the member's own schema refuses (pattern, format, enum) must be a 422; one it allows
// may be accepted (and must then come back verbatim) or refused by a rule the schema states in words.

describe('injection payloads in every string field', () => {
  it('always < 500; 4xx are problem documents; accepted values come back verbatim', async () => {
    const failures = [];
    const before1 = count(server, 'users');
    let created = 0;
    for (const route of ROUTES) {
      const opId = route.name.split(' ')[0];
      if (MUTATES_FIXTURE.has(opId)) continue;
      const schema = bodySchema(route.requestSchema, route.fixture.base());
      for (const [field, raw] of Object.entries(schema.properties || {})) {
        const s = resolve(raw);
        if (!typesOf(s)?.includes('string')) continue;
        for (const p of PAYLOADS) {
          const r = await send(route, { body: { ...route.fixture.base(), [field]: p } });
          const tag = `${route.name} ${field}=${p}`;
          if (r.status >= 500) { failures.push(`${tag}: ${r.status}`); continue; }
          if (r.status >= 400) {
            const issues = problemIssues(r, null, null, null);
            if (issues.length) failures.push(`${tag}: ${issues.join('; ')}`);
            if (!conforms(s, p) && r.status !== 422) failures.push(`${tag}: expected 422, got ${r.status}`);
            continue;
          }
          if (r.status === 201 && (opId === 'signup' || opId === 'createAdmin')) created += 1;
          if (!conforms(s, p)) failures.push(`${tag}: accepted (${r.status}) though docs/openapi.json refuses it`);
          for (const echoed of [r.json, r.json?.user, r.json?.user?.doctor]) {
            if (echoed && typeof echoed === 'object' && field in echoed && echoed[field] !== p) failures.push(`${tag}: returned ${JSON.stringify(echoed[field])}`);
          }
          if (r.text.includes('&lt;') || r.text.includes('&#')) failures.push(`${tag}: HTML-escaped in JSON`);
        }
      }
    }
    assert.deepEqual(failures, []);
    assert.equal(count(server, 'users'), before1 + created, 'the users table is intact');
    assert.ok(await healthy(server));
  });

  it('a script in a bio is stored and served verbatim as JSON text', async () => {
    const admin = S.admin;
    const d = await signupDoctor(server, { name: 'Dr Script', bio: '<script>alert(1)</script> & "quotes" \'single\'' });
    await approveDoctor(server, admin, d.user.id);
    const bio = '<script>alert(1)</script> & "quotes" \'single\' <img src=x onerror=alert(2)>';
    const p = await api(server, 'PATCH', '/api/v1/me', { session: d, body: { bio } });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.user.doctor.bio, bio);
    const pub = await api(server, 'GET', `/api/v1/doctors/${d.user.id}`);
    assert.match(pub.headers.get('content-type'), /^application\/json/);
    assert.equal(pub.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(pub.json.bio, bio);
    assert.ok(!pub.text.includes('&lt;'));
    const list = await api(server, 'GET', `/api/v1/doctors?q=${encodeURIComponent('Dr Script')}`);
    assert.equal(list.json.items[0].bio, bio);
  });

  it('injection payloads as a reason are stored verbatim and break nothing', async () => {
    for (const p of PAYLOADS) {
      const d = await signupDoctor(server, { name: 'Dr Reason' });
      const r = await api(server, 'POST', `/api/v1/admin/doctors/${d.user.id}/reject`, { session: S.admin, body: { reason: p } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.status_reason, p);
      const [stored] = sql(server, `SELECT status, status_reason FROM doctors WHERE user_id = ${Number(d.user.id)}`);
      assert.deepEqual(stored, { status: 'rejected', status_reason: p }, 'stored as given');
    }
    assert.ok(await healthy(server));
  });

  it('injection payloads in query parameters → 200 or 400, never 5xx', async () => {
    for (const p of [...PAYLOADS, '%', '\\', "'", '"', '\u0000']) {
      for (const q of [`q=${encodeURIComponent(p)}`, `specialty=${encodeURIComponent(p)}`, `cursor=${encodeURIComponent(p)}`, `limit=${encodeURIComponent(p)}`]) {
        const r = await api(server, 'GET', `/api/v1/doctors?${q}`);
        assert.ok([200, 400].includes(r.status), `${q}: ${r.status}`);
        if (r.status === 400) assertProblem(r, 400, 'bad-request');
      }
      const a = await api(server, 'GET', `/api/v1/admin/audit?action=${encodeURIComponent(p)}`, { session: S.admin });
      assert.ok([200, 400].includes(a.status), `audit action=${p}: ${a.status}`);
    }
    assert.ok(await healthy(server));
  });
});
