// Risk predictions through the real server: model cards and form metadata, validation (422 with the
// field and its allowed range, nothing stored), explanation, history, who may read whose
// predictions (a doctor only with an appointment, audited), parallel predictions, pre-fill, and a
// server that refuses to start without its models.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, prepareEnv, api, assertProblem, signupPatient, signupDoctor, createAdmin, approveDoctor,
  count, readAudit, errorFields,
} from './harness.mjs';

const DIABETES = {
  pregnancies: 2, glucose: 168, blood_pressure: 72, skin_thickness: 35, insulin: 120, bmi: 38.2,
  diabetes_pedigree_function: 0.6, age: 45,
};
const HEART = {
  age: 63, sex: 1, cp: 4, trestbps: 145, chol: 233, fbs: 1, restecg: 2, thalach: 150, exang: 0,
  oldpeak: 2.3, slope: 3, ca: 0, thal: '6',
};
const STROKE = {
  gender: 'Male', age: 67, hypertension: 0, heart_disease: 1, ever_married: 'Yes', work_type: 'Private',
  residence_type: 'Urban', avg_glucose_level: 228.69, bmi: 36.6, smoking_status: 'formerly smoked',
};

let server, admin, ana, bo, doctor, otherDoctor;

before(async () => {
  server = await startServer();
  admin = await createAdmin(server);
  ana = await signupPatient(server, { name: 'Ana Lima', date_of_birth: '1990-04-01', sex: 'female' });
  bo = await signupPatient(server, { name: 'Bo Berg', date_of_birth: '1960-01-02', sex: 'male' });
  doctor = await signupDoctor(server, { name: 'Dr Treating' });
  otherDoctor = await signupDoctor(server, { name: 'Dr Stranger' });
  await approveDoctor(server, admin, doctor.user.id);
  await approveDoctor(server, admin, otherDoctor.user.id);
});
after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `clean shutdown: ${JSON.stringify(r)}`);
  }
});

describe('model cards and form metadata', () => {
  it('lists the three models with features, units, ranges and help from their cards', async () => {
    const r = await api(server, 'GET', '/api/v1/prediction-models');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.items.map((m) => m.name), ['heart', 'diabetes', 'stroke']);
    const diabetes = r.json.items.find((m) => m.name === 'diabetes');
    const glucose = diabetes.features.find((f) => f.name === 'glucose');
    assert.equal(glucose.unit, 'mg/dL');
    assert.equal(glucose.min, 40);
    assert.equal(glucose.max, 400);
    assert.match(glucose.help, /glucose/i);
    const stroke = r.json.items.find((m) => m.name === 'stroke');
    const work = stroke.features.find((f) => f.name === 'work_type');
    assert.equal(work.kind, 'categorical');
    assert.ok(work.categories.includes('Private'));
    assert.equal(work.categories.length, work.category_labels.length);
    for (const m of r.json.items) {
      assert.equal(m.card_url, `/api/v1/prediction-models/${m.name}`);
      assert.ok(m.thresholds.low_moderate < m.thresholds.moderate_high);
      assert.ok(m.roc_auc.mean > 0.8 && m.roc_auc.mean < 1);
      assert.ok(m.limits.length > 0);
    }
  });

  it('serves each card; an unknown model is 404', async () => {
    const r = await api(server, 'GET', '/api/v1/prediction-models/heart');
    assert.equal(r.status, 200);
    assert.equal(r.json.name, 'heart');
    assert.ok(r.json.evaluation.metrics.roc_auc.mean > 0.85);
    assert.match(r.json.training.command, /medcore train tabular --model heart/);
    assertProblem(await api(server, 'GET', '/api/v1/prediction-models/kidney'), 404, 'not-found');
  });
});

describe('predicting', () => {
  it('answers probability, band, factors in plain words, model version, card link, confidence and disclaimer', async () => {
    const before = count(server, 'predictions');
    const r = await api(server, 'POST', '/api/v1/predictions/diabetes', { session: ana, body: DIABETES });
    assert.equal(r.status, 201, r.text);
    const p = r.json;
    assert.ok(p.probability > 0 && p.probability < 1);
    const band = p.probability >= p.thresholds.moderate_high ? 'high' : p.probability >= p.thresholds.low_moderate ? 'moderate' : 'low';
    assert.equal(p.band, band);
    assert.equal(p.factors_up[0].feature, 'glucose');
    assert.equal(p.factors_up[0].text, 'glucose 168 mg/dL raised the estimate the most');
    for (const f of p.factors_down) assert.ok(f.contribution < 0);
    assert.ok(p.factors.includes('glucose 168 mg/dL raised the estimate the most'));
    assert.equal(p.contributions.length, 8);
    assert.match(p.model_version, /^diabetes-/);
    assert.equal(p.card_url, '/api/v1/prediction-models/diabetes');
    assert.match(p.disclaimer, /not a diagnosis/);
    assert.ok(['low', 'moderate', 'high'].includes(p.confidence.level));
    assert.match(p.confidence.text, /ROC AUC 0\.\d\d/);
    assert.equal(p.patient_id, ana.user.id);
    assert.deepEqual(p.inputs, DIABETES);
    assert.equal(count(server, 'predictions'), before + 1);
  });

  it('accepts every model with categorical values as strings or numeric codes', async () => {
    for (const [model, body] of [['heart', HEART], ['stroke', STROKE]]) {
      const r = await api(server, 'POST', `/api/v1/predictions/${model}`, { session: bo, body });
      assert.equal(r.status, 201, `${model}: ${r.text}`);
      assert.equal(r.json.model, model);
      assert.equal(r.json.confidence.missing_features, 0);
    }
  });

  it('refuses values outside their range with the field and the allowed range, and stores nothing', async () => {
    const before = count(server, 'predictions');
    const r = await api(server, 'POST', '/api/v1/predictions/diabetes', {
      session: ana, body: { ...DIABETES, glucose: 900, bmi: 'heavy', cholesterol: 180, age: undefined },
    });
    assertProblem(r, 422, 'validation');
    const byField = Object.fromEntries(r.json.errors.map((e) => [e.field, e.message]));
    assert.equal(byField.glucose, 'must be within 40–400 mg/dL');
    assert.match(byField.bmi, /must be a number \(12–80 kg\/m²\)/);
    assert.match(byField.cholesterol, /not a feature/);
    assert.match(byField.age, /is required \(21–100 years\)/);
    assert.deepEqual(r.json.allowed.glucose, { min: 40, max: 400, unit: 'mg/dL' });
    const cat = await api(server, 'POST', '/api/v1/predictions/stroke', { session: ana, body: { ...STROKE, work_type: 'Astronaut' } });
    assertProblem(cat, 422, 'validation');
    assert.deepEqual(errorFields(cat), ['work_type']);
    assert.ok(cat.json.allowed.work_type.one_of.includes('Private'));
    assertProblem(await api(server, 'POST', '/api/v1/predictions/diabetes', { session: ana, raw: '{"glucose":' }), 400, 'malformed-json');
    assertProblem(await api(server, 'POST', '/api/v1/predictions/diabetes', { session: ana, raw: 'glucose=1', headers: { 'content-type': 'text/plain' } }), 415);
    assertProblem(await api(server, 'POST', '/api/v1/predictions/kidney', { session: ana, body: DIABETES }), 404, 'not-found');
    assert.equal(count(server, 'predictions'), before);
  });

  it('needs the CSRF token with a cookie session, and a patient', async () => {
    assertProblem(await api(server, 'POST', '/api/v1/predictions/diabetes', { session: ana, body: DIABETES, csrf: false }), 403, 'csrf');
    assertProblem(await api(server, 'POST', '/api/v1/predictions/diabetes', { session: doctor, body: DIABETES }), 403, 'forbidden');
    assertProblem(await api(server, 'POST', '/api/v1/predictions/diabetes', { session: admin, body: DIABETES }), 403, 'forbidden');
    assertProblem(await api(server, 'POST', '/api/v1/predictions/diabetes', { body: DIABETES }), 401, 'unauthenticated');
  });

  it('stores every one of many parallel predictions', async () => {
    const before = count(server, 'predictions');
    const N = 40;
    const replies = await Promise.all(Array.from({ length: N }, (_, i) =>
      api(server, 'POST', '/api/v1/predictions/diabetes', { session: i % 2 ? ana : bo, body: { ...DIABETES, glucose: 100 + i } })));
    assert.deepEqual(replies.map((r) => r.status), Array(N).fill(201));
    assert.equal(new Set(replies.map((r) => r.json.id)).size, N);
    assert.equal(count(server, 'predictions'), before + N);
    // Everything else equal, the highest glucose sent gets a higher estimate than the lowest.
    const byGlucose = replies.map((r) => [r.json.inputs.glucose, r.json.probability]).sort((a, b) => a[0] - b[0]);
    assert.ok(byGlucose[N - 1][1] > byGlucose[0][1]);
  });
});

describe('history and who may read it', () => {
  it('lists the patient\'s own predictions newest first with cursor paging and a model filter', async () => {
    const all = [];
    let cursor = null;
    do {
      const r = await api(server, 'GET', `/api/v1/predictions?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { session: ana });
      assert.equal(r.status, 200, r.text);
      assert.ok(r.json.items.length <= 7);
      all.push(...r.json.items);
      cursor = r.json.next_cursor;
    } while (cursor);
    assert.equal(all.length, count(server, 'predictions', `patient_id = ${ana.user.id}`));
    assert.ok(all.every((p) => p.patient_id === ana.user.id));
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].id > all[i].id);
    const heartOnly = await api(server, 'GET', '/api/v1/predictions?model=heart', { session: bo });
    assert.ok(heartOnly.json.items.length >= 1);
    assert.ok(heartOnly.json.items.every((p) => p.model === 'heart'));
    assertProblem(await api(server, 'GET', '/api/v1/predictions?model=kidney', { session: bo }), 400, 'bad-request');
    assertProblem(await api(server, 'GET', '/api/v1/predictions?cursor=nonsense', { session: bo }), 400, 'bad-request');
  });

  it('never shows one patient another patient\'s predictions', async () => {
    const mine = await api(server, 'GET', '/api/v1/predictions?limit=100', { session: bo });
    assert.ok(mine.json.items.every((p) => p.patient_id === bo.user.id));
    assertProblem(await api(server, 'GET', `/api/v1/patients/${ana.user.id}/predictions`, { session: bo }), 403, 'forbidden');
    const own = await api(server, 'GET', `/api/v1/patients/${ana.user.id}/predictions`, { session: ana });
    assert.equal(own.status, 200);
    assertProblem(await api(server, 'GET', `/api/v1/patients/${ana.user.id}/predictions`, { session: admin }), 403, 'forbidden');
    assertProblem(await api(server, 'GET', '/api/v1/predictions', { session: doctor }), 403, 'forbidden');
  });

  it('lets a doctor read only a patient with an appointment, and audits each read', async () => {
    const path = `/api/v1/patients/${ana.user.id}/predictions`;
    const audited = () => readAudit(server, { action: 'health.predictions_viewed' }).length;
    assertProblem(await api(server, 'GET', path, { session: doctor }), 403, 'forbidden');
    assert.equal(audited(), 0);
    // Ana books an appointment with the doctor through the appointments API.
    const weekly = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));
    const hours = await api(server, 'PUT', '/api/v1/doctor/availability', { session: doctor, body: { time_zone: 'UTC', slot_minutes: 30, weekly } });
    assert.equal(hours.status, 200, hours.text);
    const start = new Date(Math.ceil((Date.now() + 3 * 3_600_000) / 1_800_000) * 1_800_000).toISOString();
    const booked = await api(server, 'POST', '/api/v1/appointments', { session: ana, body: { doctor_id: doctor.user.id, start } });
    assert.equal(booked.status, 201, booked.text);

    const r = await api(server, 'GET', `${path}?limit=3`, { session: doctor });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.items.length, 3);
    assert.ok(r.json.items.every((p) => p.patient_id === ana.user.id));
    const rows = readAudit(server, { action: 'health.predictions_viewed' });
    assert.equal(rows.length, 1);
    assert.equal(Number(rows[0].actor_user_id), doctor.user.id);
    assert.equal(Number(rows[0].subject_user_id), ana.user.id);
    assert.ok(rows[0].request_id);
    // The appointment is with Ana only: Bo and the other doctor stay out.
    assertProblem(await api(server, 'GET', `/api/v1/patients/${bo.user.id}/predictions`, { session: doctor }), 403, 'forbidden');
    assertProblem(await api(server, 'GET', path, { session: otherDoctor }), 403, 'forbidden');
    // Once Ana cancels, the doctor no longer treats her.
    const cancelled = await api(server, 'POST', `/api/v1/appointments/${booked.json.id}/cancel`, { session: ana, body: { reason: 'Feeling better' } });
    assert.equal(cancelled.status, 200, cancelled.text);
    assertProblem(await api(server, 'GET', path, { session: doctor }), 403, 'forbidden');
    // Booked again, then the doctor is suspended: no access, even with the appointment.
    assert.equal((await api(server, 'POST', '/api/v1/appointments', { session: ana, body: { doctor_id: doctor.user.id, start } })).status, 201);
    assert.equal((await api(server, 'GET', path, { session: doctor })).status, 200);
    assert.equal((await api(server, 'POST', `/api/v1/admin/doctors/${doctor.user.id}/suspend`, { session: admin, body: { reason: 'Review.' } })).status, 200);
    assertProblem(await api(server, 'GET', path, { session: doctor }), 403);
    assert.equal(audited(), 2);
  });
});

describe('pre-fill', () => {
  it('gives the age from the date of birth and the sex in the model\'s own coding', async () => {
    const today = new Date();
    let age = today.getUTCFullYear() - 1960;
    if (today.getUTCMonth() === 0 && today.getUTCDate() < 2) age -= 1;
    const heart = await api(server, 'GET', '/api/v1/predictions/heart/prefill', { session: bo });
    assert.equal(heart.status, 200);
    assert.deepEqual(heart.json.values, { age, sex: '1' });
    assert.equal(heart.json.sources.age, 'date of birth');
    assert.ok(heart.json.notes.some((n) => /health statistics/.test(n)));
    const stroke = await api(server, 'GET', '/api/v1/predictions/stroke/prefill', { session: ana });
    assert.equal(stroke.json.values.gender, 'Female');
    const diabetes = await api(server, 'GET', '/api/v1/predictions/diabetes/prefill', { session: bo });
    assert.ok(diabetes.json.notes.some((n) => /women only/.test(n)));
    assertProblem(await api(server, 'GET', '/api/v1/predictions/heart/prefill', { session: otherDoctor }), 403, 'forbidden');
  });
});

describe('start-up', () => {
  it('refuses to start when the models cannot be loaded', async () => {
    const ctx = await prepareEnv({ env: { MEDCORE_MODELS_DIR: '/nonexistent/models' } });
    try {
      const r = await ctx.cli(['serve'], { timeoutMs: 30_000 });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr + r.stdout, /cannot load the heart risk model from '\/nonexistent\/models'/);
    } finally {
      await ctx.dropDatabase();
    }
  });
});
