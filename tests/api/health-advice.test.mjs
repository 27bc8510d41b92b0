// The AI health advisor through the real server (SQLite, or PostgreSQL with MEDCORE_TEST_PG_URL):
// offline advice from a patient's readings (and the no-readings answer), the stored history, who may
// ask (patients only), the per-patient rate limit, and the administrator's switch in front of a
// network provider — with fake Gemini and fake OpenAI-compatible servers on loopback started before
// the server: disabled → offline (nothing sent); enabled → the provider's answer stored with its
// name; 500 / timeout / a dose instruction → the offline answer stored with the reason; and the
// request a provider receives never holds the patient's name, email, birth date or note.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, api, assertProblem, signupPatient, signupDoctor, createAdmin, sql, readAudit } from './harness.mjs';

const DAY = 86_400_000;
const ago = (ms) => new Date(Date.now() - ms).toISOString();
const KEY = 'test-key-advice-4b2d';
const NOTE = 'felt dizzy after the party at Nan Okafor-Quist house';
const NAME = 'Zelda Quorrington';
const BIRTH = '1961-07-23';

const GOOD = {
  summary: 'Your blood pressure is in the stage 2 range.',
  suggestions: [
    { text: 'Cook with less salt and follow a DASH-style eating pattern.', area: 'diet', based_on: ['latest.blood_pressure'], urgency: 'routine' },
    { text: 'Walk briskly for 30 minutes on most days.', area: 'activity', based_on: ['age_band'], urgency: 'routine' },
  ],
  see_doctor_when: 'See your doctor within a month with your home readings.',
};
const DOSED = { ...GOOD, suggestions: [...GOOD.suggestions, { text: 'Take 10 mg of amlodipine every morning.', area: 'diet', based_on: ['latest.blood_pressure'], urgency: 'routine' }] };
const envelope = {
  gemini: (text) => ({
    candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 311, candidatesTokenCount: 97, totalTokenCount: 408 },
  }),
  openai: (text) => ({
    id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'local-test',
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 211, completion_tokens: 77, total_tokens: 288 },
  }),
};

// A fake provider (as in ai-engine.test.mjs): records each request, answers with the next scripted
// reply: { status, json } or 'hang' (never answers).
async function fakeProvider() {
  const s = { requests: [], script: [], hanging: [] };
  s.server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      s.requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      const next = s.script.shift() ?? { status: 500, json: { error: 'no script' } };
      if (next === 'hang') { s.hanging.push(res); return; }
      res.writeHead(next.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(next.json));
    });
  });
  await new Promise((resolve) => s.server.listen(0, '127.0.0.1', resolve));
  s.base = `http://127.0.0.1:${s.server.address().port}`;
  s.close = async () => {
    for (const r of s.hanging) r.destroy();
    s.server.closeAllConnections();
    await new Promise((resolve) => s.server.close(resolve));
  };
  return s;
}

const advise = (server, session, body = {}) => api(server, 'POST', '/api/v1/health/advice', { session, body });
const history = (server, session, q = '') => api(server, 'GET', `/api/v1/health/advice${q}`, { session });
const record = (server, session, body) => api(server, 'POST', '/api/v1/health/readings', { session, body });

// Readings that give facts: a stage 2 blood pressure trend (with a note that must never leave) and a
// fasting glucose in the prediabetes range.
async function giveReadings(server, session) {
  for (let i = 0; i < 5; i++) {
    const r = await record(server, session, { kind: 'blood_pressure', systolic: 150 + i, diastolic: 95, measured_at: ago((5 - i) * DAY), note: NOTE });
    assert.equal(r.status, 201, r.text);
  }
  const g = await record(server, session, { kind: 'blood_glucose', value: 110, unit: 'mg_dl', context: 'fasting', measured_at: ago(DAY) });
  assert.equal(g.status, 201, g.text);
}

function assertItem(item) {
  assert.equal(typeof item.id, 'number');
  assert.ok(!Number.isNaN(Date.parse(item.created_at)));
  const a = item.answer;
  assert.equal(a.task, 'health_advice');
  assert.ok(a.disclaimer.length > 20, 'every answer carries the disclaimer');
  assert.ok(a.suggestions.length >= 1);
  for (const s of a.suggestions) assert.ok(s.based_on.length >= 1, 'every suggestion names its facts');
}

const storedRow = async (server, id) => (await sql(server, `SELECT provider, model, fell_back, reason FROM health_advice WHERE id = ${id}`))[0];

describe('offline advice', () => {
  let server, patient, doctor, admin;
  before(async () => {
    server = await startServer({ env: { MEDCORE_HEALTH_ADVICE_PER_MINUTE: '5' } });
    admin = await createAdmin(server);
    patient = await signupPatient(server, { name: NAME, date_of_birth: BIRTH, sex: 'female' });
    doctor = await signupDoctor(server);
  });
  after(async () => { if (server) assert.equal((await server.stop()).code, 0); });

  it('with no readings yet: a useful general answer, not an error', async () => {
    const r = await advise(server, patient);
    assert.equal(r.status, 201, r.text);
    assertItem(r.json);
    assert.match(r.json.answer.summary, /no recent readings/i);
    assert.equal(r.json.answer.provider, 'offline');
    assert.equal(r.json.answer.fell_back, false);
  });

  it('from the readings: suggestions tied to them, stored as given, listed newest first', async () => {
    await giveReadings(server, patient);
    const r = await advise(server, patient, { days: 30 });
    assert.equal(r.status, 201, r.text);
    assertItem(r.json);
    const a = r.json.answer;
    assert.equal(a.provider, 'offline');
    assert.match(a.summary, /blood pressure/);
    assert.ok(a.suggestions.some((s) => s.based_on.includes('latest.blood_pressure')), JSON.stringify(a.suggestions));
    const row = await storedRow(server, r.json.id);
    assert.equal(row.provider, 'offline');
    assert.equal(Number(row.fell_back), 0);

    const list = await history(server, patient);
    assert.equal(list.status, 200, list.text);
    assert.equal(list.json.items.length, 2);
    assert.deepEqual(list.json.items[0], r.json, 'the history shows the answer exactly as given');
    const page = await history(server, patient, '?limit=1');
    assert.equal(page.json.items[0].id, r.json.id);
    const next = await history(server, patient, `?limit=1&cursor=${encodeURIComponent(page.json.next_cursor)}`);
    assert.equal(next.json.items.length, 1);
    assert.ok(next.json.items[0].id < r.json.id);
    assert.equal(next.json.next_cursor, null);
  });

  it('refuses a window that is not 7, 30, 90 or 365 days', async () => {
    const r = await advise(server, patient, { days: 31 });
    assertProblem(r, 422, 'validation');
  });

  it('only patients ask, and only for themselves', async () => {
    assertProblem(await advise(server, doctor), 403, 'forbidden');
    assertProblem(await advise(server, admin), 403, 'forbidden');
    assert.equal((await advise(server, null)).status, 401);
    assert.equal((await history(server, doctor)).status, 403);
    const other = await signupPatient(server);
    const theirs = await history(server, other);
    assert.equal(theirs.json.items.length, 0, 'another patient sees none of this advice');
  });

  it('is rate limited per patient', async () => {
    const busy = await signupPatient(server);
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await advise(server, busy));
    assert.deepEqual(answers.map((r) => r.status), [201, 201, 201, 201, 201, 429]);
    assert.ok(Number(answers[5].headers.get('retry-after')) >= 1);
    const calm = await signupPatient(server);
    assert.equal((await advise(server, calm)).status, 201, 'another patient is not held up');
  });
});

// One server per network provider, pointed at its fake before it starts.
for (const provider of ['gemini', 'openai']) {
  describe(`${provider}: the administrator's switch and the fallbacks`, () => {
    let fake, server, patient, admin;
    before(async () => {
      fake = await fakeProvider();
      server = await startServer({
        env: {
          MEDCORE_AI_PROVIDER: provider, MEDCORE_AI_BASE_URL: fake.base, MEDCORE_AI_MODEL: `${provider}-test`,
          MEDCORE_AI_API_KEY: KEY, MEDCORE_AI_RETRIES: '0', MEDCORE_AI_TIMEOUT_MS: '1000',
          MEDCORE_AI_CACHE_ENTRIES: '0', MEDCORE_AI_BREAKER_FAILURES: '100', MEDCORE_HEALTH_ADVICE_PER_MINUTE: '100',
        },
      });
      admin = await createAdmin(server);
      patient = await signupPatient(server, { name: NAME, date_of_birth: BIRTH, sex: 'female' });
      await giveReadings(server, patient);
    });
    after(async () => {
      if (server) assert.equal((await server.stop()).code, 0);
      if (fake) await fake.close();
    });

    it('while an administrator has not enabled it: offline, says so, sends nothing', async () => {
      const state = await api(server, 'GET', '/api/v1/admin/ai', { session: admin });
      assert.equal(state.status, 200, state.text);
      assert.equal(state.json.provider, provider);
      assert.equal(state.json.enabled, false);
      const r = await advise(server, patient);
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.answer.provider, 'offline');
      assert.equal(r.json.answer.fell_back, true);
      assert.equal(r.json.answer.fallback_reason, 'not_enabled');
      assert.equal((await storedRow(server, r.json.id)).reason, 'not_enabled');
      assert.equal(fake.requests.length, 0, 'nothing left the machine');
    });

    it('enabled: the provider answers, stored with its name; the request holds no identifying data', async () => {
      const put = await api(server, 'PUT', '/api/v1/admin/ai', { session: admin, body: { enabled: true } });
      assert.equal(put.status, 200, put.text);
      assert.equal(put.json.enabled, true);
      const audit = await readAudit(server, { action: 'ai.settings_changed' });
      assert.equal(audit.length, 1);
      fake.script.push({ status: 200, json: envelope[provider](JSON.stringify(GOOD)) });
      const r = await advise(server, patient);
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.answer.provider, provider);
      assert.equal(r.json.answer.fell_back, false);
      assert.equal(r.json.answer.summary, GOOD.summary);
      const row = await storedRow(server, r.json.id);
      assert.equal(row.provider, provider);
      assert.equal(row.model, `${provider}-test`);

      assert.equal(fake.requests.length, 1);
      const sent = fake.requests[0];
      assert.equal(sent.method, 'POST');
      assert.ok(sent.url.endsWith(provider === 'gemini' ? `/v1beta/models/${provider}-test:generateContent` : '/v1/chat/completions'), sent.url);
      const body = sent.body;
      JSON.parse(body);
      for (const secret of [NAME, 'Zelda', 'Quorrington', patient.user.email, BIRTH, '1961', 'dizzy', 'Okafor'])
        assert.ok(!body.includes(secret), `the provider request does not hold ${secret}`);
      assert.ok(body.includes('60-69'), 'it holds the age band instead');
    });

    for (const [label, reply, reason] of [
      ['a 500', { status: 500, json: { error: 'boom' } }, 'http_status'],
      ['a timeout', 'hang', 'timeout'],
      ['a dose instruction', { status: 200, json: envelope[provider](JSON.stringify(DOSED)) }, 'medication_advice'],
    ]) {
      it(`${label}: the offline answer, stored with the reason`, async () => {
        fake.script.push(reply);
        const r = await advise(server, patient);
        assert.equal(r.status, 201, r.text);
        assert.equal(r.json.answer.provider, 'offline');
        assert.equal(r.json.answer.fell_back, true);
        assert.equal(r.json.answer.fallback_reason, reason);
        assert.ok(!JSON.stringify(r.json.answer).includes('amlodipine'), 'no dose reaches the patient');
        const row = await storedRow(server, r.json.id);
        assert.equal(row.reason, reason);
        assert.equal(Number(row.fell_back), 1);
      });
    }

    it('the admin sees the calls, failures and fallbacks of the day', async () => {
      const state = await api(server, 'GET', '/api/v1/admin/ai', { session: admin });
      assert.equal(state.status, 200, state.text);
      const today = state.json.counters.find((d) => d.provider === provider);
      assert.ok(today, JSON.stringify(state.json));
      assert.equal(today.calls, 4);
      assert.equal(today.failures, 3);
      assert.equal(today.fallbacks_by_reason.not_enabled, 1);
      assert.equal(today.fallbacks_by_reason.timeout, 1);
      const off = await api(server, 'PUT', '/api/v1/admin/ai', { session: admin, body: { enabled: false } });
      assert.equal(off.json.enabled, false);
      const before = fake.requests.length;
      const r = await advise(server, patient);
      assert.equal(r.json.answer.fallback_reason, 'not_enabled');
      assert.equal(fake.requests.length, before, 'switched off again: nothing sent');
    });
  });
}
