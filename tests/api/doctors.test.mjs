// Public doctor directory: only approved doctors, filters, search, pagination, lookups.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, api, assertProblem, signupPatient, signupDoctor, createAdmin, approveDoctor,
} from './harness.mjs';

const PUBLIC_KEYS = ['bio', 'consultation_fee_cents', 'currency', 'id', 'name', 'specialty', 'years_experience'];

let server, admin, patient;
const approved = [];
let pending, rejected, suspended, pendingDerm;

before(async () => {
  server = await startServer();
  admin = await createAdmin(server);
  patient = await signupPatient(server);
  const specs = [
    ['Dr Alice Zeta', 'Cardiology'], ['Dr Bruno Zetterberg', 'Dermatology'], ['Dr 100% Sure', 'Cardiology'],
    ['Dr Under_Score', 'Dermatology'], ['Dr Underxscore', 'Dermatology'], ['Dr Percent Plain', 'Neurology'],
    ['Dr Same Name', 'Neurology'], ['Dr Same Name', 'Neurology'], ['Dr Same Name', 'Cardiology'],
    ['Dr Carla Mendes', 'Paediatrics'], ['Dr Diego Ortiz', 'Cardiology'], ['Dr Eva Quinn', 'Dermatology'],
  ];
  for (const [name, specialty] of specs) {
    const d = await signupDoctor(server, { name, specialty, bio: `Bio of ${name}` });
    await approveDoctor(server, admin, d.user.id);
    approved.push({ id: d.user.id, name, specialty });
  }
  pending = await signupDoctor(server, { name: 'Dr Pending Zeta', specialty: 'Cardiology' });
  pendingDerm = await signupDoctor(server, { name: 'Dr Pending Derm', specialty: 'Dermatology' });
  rejected = await signupDoctor(server, { name: 'Dr Rejected Zeta', specialty: 'Cardiology' });
  assert.equal((await api(server, 'POST', `/api/v1/admin/doctors/${rejected.user.id}/reject`, { session: admin, body: { reason: 'Not verified.' } })).status, 200);
  suspended = await signupDoctor(server, { name: 'Dr Suspended Zeta', specialty: 'Cardiology' });
  await approveDoctor(server, admin, suspended.user.id);
  assert.equal((await api(server, 'POST', `/api/v1/admin/doctors/${suspended.user.id}/suspend`, { session: admin, body: { reason: 'Under review.' } })).status, 200);
});
after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `clean shutdown: ${JSON.stringify(r)}`);
  }
});

async function walk(query, limit) {
  const ids = [];
  const pages = [];
  let cursor = null;
  for (let i = 0; i < 50; i++) {
    const params = new URLSearchParams(query);
    params.set('limit', String(limit));
    if (cursor) params.set('cursor', cursor);
    const r = await api(server, 'GET', `/api/v1/doctors?${params}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.items.length <= limit);
    pages.push(r.json.items);
    ids.push(...r.json.items.map((d) => d.id));
    cursor = r.json.next_cursor;
    assert.ok(cursor === null || typeof cursor === 'string');
    if (cursor === null) return { ids, pages };
  }
  throw new Error('pagination never ends');
}

const sortKey = (n) => n.toLowerCase().replace(/[^a-z0-9]/g, '');

describe('directory', () => {
  it('lists only approved doctors, in the public shape, by name', async () => {
    const r = await api(server, 'GET', '/api/v1/doctors?limit=100');
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json).sort(), ['items', 'next_cursor']);
    assert.equal(r.json.next_cursor, null);
    const ids = r.json.items.map((d) => d.id).sort((a, b) => a - b);
    assert.deepEqual(ids, approved.map((d) => d.id).sort((a, b) => a - b));
    for (const d of r.json.items) {
      assert.deepEqual(Object.keys(d).sort(), PUBLIC_KEYS);
      assert.equal(d.currency, 'USD');
      assert.equal(d.bio, `Bio of ${d.name}`);
    }
    const names = r.json.items.map((d) => sortKey(d.name));
    assert.deepEqual(names, [...names].sort(), 'ordered by name');
    for (const bad of [pending, pendingDerm, rejected, suspended, patient, admin]) {
      assert.ok(!r.json.items.some((d) => d.id === bad.user.id));
    }
  });

  it('default page size is 20 (or all when fewer)', async () => {
    const r = await api(server, 'GET', '/api/v1/doctors');
    assert.equal(r.status, 200);
    assert.equal(r.json.items.length, approved.length);
    assert.equal(r.json.next_cursor, null);
  });

  it('specialty filter', async () => {
    const r = await api(server, 'GET', '/api/v1/doctors?specialty=Dermatology&limit=100');
    assert.equal(r.status, 200);
    const expected = approved.filter((d) => d.specialty === 'Dermatology').map((d) => d.id).sort((a, b) => a - b);
    assert.deepEqual(r.json.items.map((d) => d.id).sort((a, b) => a - b), expected);
    for (const d of r.json.items) assert.equal(d.specialty, 'Dermatology');
    const none = await api(server, 'GET', '/api/v1/doctors?specialty=Astrology');
    assert.equal(none.status, 200);
    assert.deepEqual(none.json.items, []);
  });

  const searches = [
    ['zet', ['Dr Alice Zeta', 'Dr Bruno Zetterberg']],
    ['zeta', ['Dr Alice Zeta']],
    ['ZET', ['Dr Alice Zeta', 'Dr Bruno Zetterberg']],
    ['aLiCe', ['Dr Alice Zeta']],
    ['%', ['Dr 100% Sure']],
    ['100%', ['Dr 100% Sure']],
    ['_', ['Dr Under_Score']],
    ['under_', ['Dr Under_Score']],
    ['r_s', ['Dr Under_Score']],
    ["' OR 1=1 --", []],
    ['no such doctor', []],
  ];
  for (const [q, names] of searches) {
    it(`q=${JSON.stringify(q)} finds ${JSON.stringify(names)}`, async () => {
      const r = await api(server, 'GET', `/api/v1/doctors?q=${encodeURIComponent(q)}&limit=100`);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json.items.map((d) => d.name).sort(), [...names].sort());
    });
  }

  it('q and specialty combine', async () => {
    const r = await api(server, 'GET', '/api/v1/doctors?q=same&specialty=Neurology');
    assert.equal(r.status, 200);
    assert.equal(r.json.items.length, 2);
    for (const d of r.json.items) assert.equal(d.specialty, 'Neurology');
  });

  for (const limit of [1, 2, 5]) {
    it(`pagination with limit=${limit} covers all without duplicates (including equal names)`, async () => {
      const { ids, pages } = await walk({}, limit);
      assert.equal(new Set(ids).size, ids.length, 'no duplicates');
      assert.deepEqual([...ids].sort((a, b) => a - b), approved.map((d) => d.id).sort((a, b) => a - b), 'covers all');
      for (const p of pages.slice(0, -1)) assert.equal(p.length, limit, 'full pages before the last');
      const all = (await api(server, 'GET', '/api/v1/doctors?limit=100')).json.items.map((d) => d.id);
      assert.deepEqual(ids, all, 'same order as one big page');
    });
  }

  it('pagination with a filter', async () => {
    const { ids } = await walk({ specialty: 'Cardiology' }, 2);
    const expected = approved.filter((d) => d.specialty === 'Cardiology').map((d) => d.id).sort((a, b) => a - b);
    assert.deepEqual([...ids].sort((a, b) => a - b), expected);
  });

  for (const qs of ['limit=0', 'limit=101', 'limit=-1', 'limit=abc', 'limit=1.5', 'cursor=garbage', 'cursor=%25%25%25', 'cursor=' + 'A'.repeat(300)]) {
    it(`bad ${qs} → 400 bad-request`, async () => {
      assertProblem(await api(server, 'GET', `/api/v1/doctors?${qs}`), 400, 'bad-request');
    });
  }

  it('limit=100 is accepted', async () => {
    assert.equal((await api(server, 'GET', '/api/v1/doctors?limit=100')).status, 200);
  });
});

describe('GET /doctors/{id}', () => {
  it('approved doctor → public view', async () => {
    const d = approved[0];
    const r = await api(server, 'GET', `/api/v1/doctors/${d.id}`);
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json).sort(), PUBLIC_KEYS);
    assert.equal(r.json.id, d.id);
    assert.equal(r.json.name, d.name);
    assert.equal(r.json.specialty, d.specialty);
    assert.equal(r.json.years_experience, 12);
    assert.equal(r.json.consultation_fee_cents, 4500);
  });

  it('pending, rejected, suspended, patient, admin and unknown ids → 404', async () => {
    for (const s of [pending, rejected, suspended, patient, admin]) {
      assertProblem(await api(server, 'GET', `/api/v1/doctors/${s.user.id}`), 404, 'not-found', s.email);
    }
    for (const id of ['99999999', '0', 'abc', '-1', '99999999999999999999999', '1.5', '1e3']) {
      const r = await api(server, 'GET', `/api/v1/doctors/${id}`);
      assert.ok([400, 404].includes(r.status), `${id}: ${r.status}`);
      assertProblem(r, r.status, r.status === 404 ? 'not-found' : 'bad-request', id);
    }
    assertProblem(await api(server, 'GET', '/api/v1/doctors/abc'), 404, 'not-found');
  });
});
