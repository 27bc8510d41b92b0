// The AI engine from the command line (`medcore ai ask`) against fake Gemini and fake
// OpenAI-compatible servers on loopback: the exact request each provider receives, and for every
// bad answer (500, 429, timeout, malformed JSON, schema-violating JSON, a dose instruction) the
// offline fallback with its reason. No database is involved.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from './harness.mjs';

const KEY = 'test-key-7c1e';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medcore-ai-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// De-identified facts as the health feature hands them over; the keys suggestions may cite.
const FACTS = {
  age_band: '60-69',
  sex: 'female',
  latest: {
    blood_pressure: { systolic: 146, diastolic: 92, category: 'bp_stage_2', guideline: 'acc_aha_2017', days_ago: 1 },
    blood_glucose: { value: 112, category: 'glucose_prediabetes', guideline: 'ada', days_ago: 3 },
  },
  trends: { 'blood_pressure.30d': { count: 42, average: 141.5, slope_per_week: 1.8, slope_uncertainty: 0.4 } },
  bmi: { class: 'bmi_overweight', value: 27.4 },
  risks: { diabetes: { band: 'high', days_ago: 12 } },
};
const FACT_KEYS = ['age_band', 'sex', 'latest.blood_pressure', 'latest.blood_glucose', 'trend.blood_pressure.30d', 'bmi', 'risk.diabetes'];
const factsFile = path.join(tmp, 'facts.json');
fs.writeFileSync(factsFile, JSON.stringify(FACTS));
const urgentFile = path.join(tmp, 'urgent.json');
fs.writeFileSync(urgentFile, JSON.stringify({
  ...FACTS,
  latest: { blood_pressure: { systolic: 186, diastolic: 124, category: 'bp_hypertensive_crisis', guideline: 'acc_aha_2017', days_ago: 0 } },
}));

const GOOD = {
  summary: 'Your blood pressure is in the stage 2 range and rising.',
  suggestions: [
    { text: 'Cook with less salt and follow a DASH-style eating pattern.', area: 'diet', based_on: ['latest.blood_pressure', 'trend.blood_pressure.30d'], urgency: 'routine' },
    { text: 'Walk briskly for 30 minutes on most days.', area: 'activity', based_on: ['age_band', 'bmi'], urgency: 'routine' },
  ],
  see_doctor_when: 'See your doctor within a month with your home readings.',
};
const SCHEMA_VIOLATING = { ...GOOD, suggestions: [{ ...GOOD.suggestions[0], area: 'medication' }] };
const DOSED = { ...GOOD, suggestions: [...GOOD.suggestions, { text: 'Start metformin 500 mg with dinner.', area: 'diet', based_on: ['latest.blood_glucose'], urgency: 'routine' }] };

// Both providers' envelopes around the model's text.
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
const TOKENS = { gemini: { input: 311, output: 97 }, openai: { input: 211, output: 77 } };

// A fake provider: records each request, answers with the next scripted reply.
// A reply is { status, json | body, headers } or 'hang' (never answers).
async function fakeServer() {
  const s = { requests: [], script: [], hanging: [] };
  s.server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      s.requests.push({ method: req.method, url: req.url, headers: req.headers, body, at: Date.now() });
      const next = s.script.shift() ?? { status: 500, json: { error: 'no script' } };
      if (next === 'hang') { s.hanging.push(res); return; }
      const text = next.body ?? JSON.stringify(next.json);
      res.writeHead(next.status, { 'content-type': 'application/json', ...(next.headers || {}) });
      res.end(text);
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

const env = { ...process.env, MEDCORE_AI_API_KEY: KEY };
async function ask(provider, server, extra = [], file = factsFile) {
  const model = provider === 'gemini' ? 'gemini-test' : 'local-test';
  const r = await runCli(env, ['ai', 'ask', '--task', 'health_advice', '--facts', file, '--provider', provider,
    '--base-url', server.base, '--model', model, '--retries', '2', '--backoff-base-ms', '10', '--backoff-max-ms', '2000',
    ...(extra.includes('--timeout-ms') ? [] : ['--timeout-ms', '5000']), ...extra]);
  assert.equal(r.code, 0, `medcore ai ask exited ${r.code}: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  return { answer: lines[0], lines };
}

function assertAnswerShape(a) {
  for (const k of ['task', 'urgent_message', 'summary', 'suggestions', 'see_doctor_when', 'disclaimer', 'provider', 'model',
    'latency_ms', 'cached', 'fell_back', 'fallback_reason', 'tokens']) assert.ok(k in a, `answer has ${k}`);
  assert.equal(a.task, 'health_advice');
  assert.ok(a.disclaimer.length > 20, 'every answer carries the disclaimer');
  assert.ok(a.suggestions.length >= 1);
  for (const s of a.suggestions) {
    assert.ok(['diet', 'activity', 'sleep', 'monitoring', 'medical_follow_up'].includes(s.area));
    assert.ok(s.based_on.length >= 1 && s.based_on.every((k) => FACT_KEYS.includes(k)), `based_on ${s.based_on} are facts given`);
  }
}

// The offline answer for the same facts: what every fallback must equal.
let offline;
before(async () => {
  const r = await runCli(env, ['ai', 'ask', '--facts', factsFile]);
  assert.equal(r.code, 0, r.stderr);
  offline = JSON.parse(r.stdout);
});

describe('ai engine: offline', () => {
  it('answers without a network, deterministically, every suggestion tied to facts', async () => {
    assertAnswerShape(offline);
    assert.equal(offline.provider, 'offline');
    assert.equal(offline.fell_back, false);
    assert.equal(offline.urgent_message, null);
    const areas = new Set(offline.suggestions.map((s) => s.area));
    for (const a of ['diet', 'activity', 'monitoring', 'medical_follow_up']) assert.ok(areas.has(a), `offline advice covers ${a}`);
    assert.ok(offline.suggestions.some((s) => /DASH/.test(s.text) && s.based_on.includes('latest.blood_pressure')));
    const again = JSON.parse((await runCli(env, ['ai', 'ask', '--facts', factsFile])).stdout);
    assert.deepEqual({ ...again, latency_ms: 0 }, { ...offline, latency_ms: 0 });
  });

  it('an urgent category puts the fixed urgent message first', async () => {
    const r = await runCli(env, ['ai', 'ask', '--facts', urgentFile]);
    const a = JSON.parse(r.stdout);
    assert.match(a.urgent_message, /emergency/);
    assert.equal(Object.keys(a)[1], 'urgent_message', 'shown before the advice');
  });

  it('refuses a facts file that carries identifying fields', async () => {
    const bad = path.join(tmp, 'named.json');
    fs.writeFileSync(bad, JSON.stringify({ ...FACTS, name: 'Maria Kowalska', email: 'maria@example.org' }));
    const r = await runCli(env, ['ai', 'ask', '--facts', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unexpected field "(name|email)"/);
  });
});

for (const provider of ['gemini', 'openai']) {
  describe(`ai engine: ${provider} provider`, () => {
    let server;
    before(async () => { server = await fakeServer(); });
    after(async () => { await server.close(); });
    const reply = (json, status = 200, headers = {}) => ({ status, json, headers });
    const text = (t) => reply(envelope[provider](t));
    const fellBackWith = (a, reason) => {
      assertAnswerShape(a);
      assert.equal(a.fell_back, true);
      assert.equal(a.fallback_reason, reason, a.fallback_detail);
      assert.equal(a.provider, 'offline');
      assert.deepEqual(a.suggestions, offline.suggestions);
      assert.equal(a.summary, offline.summary);
    };

    it('sends the exact request and uses a good answer (then the cache)', async () => {
      server.requests.length = 0;
      server.script = [text(JSON.stringify(GOOD))];
      const { answer, lines } = await ask(provider, server, ['--repeat', '2', '--counters']);
      assert.equal(server.requests.length, 1, 'the repeat is answered from the cache');
      const req = server.requests[0];
      const body = JSON.parse(req.body);
      assert.equal(req.method, 'POST');
      assert.equal(req.headers['content-type'], 'application/json');
      const userText = provider === 'gemini' ? body.contents[0].parts[0].text : body.messages[1].content;
      assert.ok(userText.startsWith('Task: health_advice\nFacts (JSON): '));
      const sentFacts = JSON.parse(userText.slice(userText.indexOf('{')));
      assert.deepEqual(Object.keys(sentFacts), ['age_band', 'sex', 'latest', 'trends', 'bmi', 'risks']);
      assert.equal(sentFacts.latest.blood_pressure.category, 'bp_stage_2');
      if (provider === 'gemini') {
        assert.equal(req.url, '/v1beta/models/gemini-test:generateContent');
        assert.equal(req.headers['x-goog-api-key'], KEY);
        assert.equal(req.headers.authorization, undefined);
        assert.deepEqual(Object.keys(body).sort(), ['contents', 'generationConfig', 'systemInstruction']);
        assert.equal(body.contents[0].role, 'user');
        assert.match(body.systemInstruction.parts[0].text, /never tell the patient to start, stop/);
        assert.equal(body.generationConfig.responseMimeType, 'application/json');
        const schema = body.generationConfig.responseSchema;
        assert.equal(schema.type, 'OBJECT');
        assert.deepEqual(schema.required, ['summary', 'suggestions', 'see_doctor_when']);
        const item = schema.properties.suggestions.items;
        assert.deepEqual(item.required, ['text', 'area', 'based_on', 'urgency']);
        assert.deepEqual(item.properties.area.enum, ['diet', 'activity', 'sleep', 'monitoring', 'medical_follow_up']);
        assert.deepEqual(item.properties.based_on.items.enum, FACT_KEYS);
      } else {
        assert.equal(req.url, '/v1/chat/completions');
        assert.equal(req.headers.authorization, `Bearer ${KEY}`);
        assert.equal(req.headers['x-goog-api-key'], undefined);
        assert.equal(body.model, 'local-test');
        assert.deepEqual(body.messages.map((m) => m.role), ['system', 'user']);
        assert.match(body.messages[0].content, /never tell the patient to start, stop/);
        assert.equal(body.response_format.type, 'json_schema');
        assert.equal(body.response_format.json_schema.name, 'health_advice');
        assert.equal(body.response_format.json_schema.strict, true);
        const schema = body.response_format.json_schema.schema;
        assert.equal(schema.type, 'object');
        assert.equal(schema.additionalProperties, false);
        assert.deepEqual(schema.required, ['summary', 'suggestions', 'see_doctor_when']);
        const item = schema.properties.suggestions.items;
        assert.equal(item.additionalProperties, false);
        assert.deepEqual(item.properties.based_on.items.enum, FACT_KEYS);
      }
      assertAnswerShape(answer);
      assert.equal(answer.provider, provider);
      assert.equal(answer.model, provider === 'gemini' ? 'gemini-test' : 'local-test');
      assert.equal(answer.fell_back, false);
      assert.equal(answer.summary, GOOD.summary);
      assert.deepEqual(answer.suggestions, GOOD.suggestions);
      assert.deepEqual(answer.tokens, TOKENS[provider]);
      assert.equal(lines[1].cached, true);
      assert.equal(lines[1].summary, GOOD.summary);
      const [day] = lines[2];
      assert.equal(day.provider, provider);
      assert.equal(day.questions, 2);
      assert.equal(day.calls, 1);
      assert.equal(day.cache_hits, 1);
      assert.equal(day.tokens_in, TOKENS[provider].input);
      assert.equal(day.tokens_out, TOKENS[provider].output);
    });

    it('the urgent message comes first whatever the provider says', async () => {
      server.script = [text(JSON.stringify({ ...GOOD, suggestions: [{ ...GOOD.suggestions[1], based_on: ['age_band'] }] }))];
      const { answer } = await ask(provider, server, [], urgentFile);
      assert.equal(answer.provider, provider);
      assert.match(answer.urgent_message, /emergency/);
    });

    it('500 on every attempt: retried, then offline (http_status)', async () => {
      server.requests.length = 0;
      server.script = [reply({ error: 'boom' }, 500), reply({ error: 'boom' }, 502), reply({ error: 'boom' }, 503)];
      const { answer, lines } = await ask(provider, server, ['--counters']);
      fellBackWith(answer, 'http_status');
      assert.equal(server.requests.length, 3, 'one call and two retries');
      assert.equal(lines[1][0].failures, 3);
      assert.deepEqual(lines[1][0].fallbacks_by_reason, { http_status: 1 });
    });

    it('429 with Retry-After, then success: waits as told and answers', async () => {
      server.requests.length = 0;
      server.script = [reply({ error: 'slow down' }, 429, { 'retry-after': '1' }), text(JSON.stringify(GOOD))];
      const { answer } = await ask(provider, server);
      assert.equal(answer.fell_back, false);
      assert.equal(answer.provider, provider);
      assert.equal(server.requests.length, 2);
      const waited = server.requests[1].at - server.requests[0].at;
      assert.ok(waited >= 950, `waited ${waited} ms for Retry-After: 1`);
      assert.equal(server.requests[1].body, server.requests[0].body, 'the retry is the same request');
    });

    it('no answer within the timeout: offline (timeout)', async () => {
      server.script = ['hang'];
      const { answer } = await ask(provider, server, ['--timeout-ms', '300']);
      fellBackWith(answer, 'timeout');
    });

    it('malformed JSON: offline (malformed_json)', async () => {
      server.script = [text('Sure! Eat less salt and walk more.')];
      fellBackWith((await ask(provider, server)).answer, 'malformed_json');
      server.script = [{ status: 200, body: '<html>gateway</html>' }];
      fellBackWith((await ask(provider, server)).answer, 'malformed_json');
    });

    it('JSON that breaks the schema: offline (schema_violation)', async () => {
      server.script = [text(JSON.stringify(SCHEMA_VIOLATING))];
      const { answer } = await ask(provider, server);
      fellBackWith(answer, 'schema_violation');
      assert.match(answer.fallback_detail, /area/);
    });

    it('a dose instruction: offline (medication_advice)', async () => {
      server.script = [text(JSON.stringify(DOSED))];
      const { answer } = await ask(provider, server);
      fellBackWith(answer, 'medication_advice');
      assert.ok(!JSON.stringify(answer).includes('metformin'), 'nothing of the rejected text is shown');
    });

    it('a refusal: offline (refusal)', async () => {
      server.script = [provider === 'gemini'
        ? reply({ promptFeedback: { blockReason: 'SAFETY' } })
        : reply({ choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: 'I cannot help with that.' }, finish_reason: 'stop' }] })];
      fellBackWith((await ask(provider, server)).answer, 'refusal');
    });
  });
}

describe('ai engine: provider unreachable', () => {
  it('a closed port falls back (network) and nothing crashes', async () => {
    const s = await fakeServer();
    const base = s.base;
    await s.close();
    const { answer } = await ask('openai', { base });
    assert.equal(answer.fell_back, true);
    assert.equal(answer.fallback_reason, 'network');
  });
});
