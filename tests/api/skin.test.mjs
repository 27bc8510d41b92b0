// Skin lesion checks through the real server and the committed model: upload of JPEG, PNG and
// WebP, the answer's shape (top three, confidence, urgency, care advice, disclaimer), thumbnails,
// history, every kind of bad upload refused with problem+json and nothing stored, who may read
// whose analyses (a treating doctor only, audited), and parallel uploads on the inference pool.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  REPO_ROOT, startServer, api, assertProblem, signupPatient, signupDoctor, createAdmin, approveDoctor, count,
  readAudit, healthy, rawRequest,
} from './harness.mjs';

const IMAGES = process.env.MEDCORE_HAM10000_IMAGES ||
  path.join(REPO_ROOT, '..', 'shared', 'datasets', 'skin_lesions_ham10000', 'images_200x150');
const LESION_JPEG = fs.readFileSync(path.join(IMAGES, 'ISIC_0024306.jpg'));
const LESION_WEBP = fs.readFileSync(path.join(REPO_ROOT, 'tests', 'api', 'fixtures', 'synthetic-lesion.webp'));
const CLASSES = ['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc'];

// A minimal RGB PNG encoder (zlib + CRC), so the test needs no image library.
function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(width, height, { announce } = {}) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(announce?.width ?? width, 0);
  ihdr.writeUInt32BE(announce?.height ?? height, 4);
  ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * (width * 3 + 1) + 1 + x * 3;
      const d = Math.hypot(x - width / 2, y - height / 2) / (width / 2);
      raw[i] = d < 0.5 ? 110 : 225; raw[i + 1] = d < 0.5 ? 70 : 180; raw[i + 2] = d < 0.5 ? 50 : 160;
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
// Width and height from a baseline or progressive JPEG's SOF marker.
function jpegSize(buf) {
  assert.equal(buf[0], 0xff); assert.equal(buf[1], 0xd8);
  for (let i = 2; i < buf.length;) {
    const marker = buf[i + 1];
    const len = buf.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc2) return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
    i += 2 + len;
  }
  throw new Error('no SOF marker');
}

const upload = (server, session, bytes, type = 'image/jpeg') =>
  api(server, 'POST', '/api/v1/skin/analyses', { session, raw: bytes, headers: { 'content-type': type }, timeoutMs: 60_000 });

let server, admin, ana, bo, doctor, otherDoctor;

before(async () => {
  server = await startServer();
  admin = await createAdmin(server);
  ana = await signupPatient(server, { name: 'Ana Lima' });
  bo = await signupPatient(server, { name: 'Bo Berg' });
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

describe('the model', () => {
  it('publishes its card: classes, input size, validation metrics, limits and a disclaimer', async () => {
    const r = await api(server, 'GET', '/api/v1/skin/model');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.classes.map((c) => c.code), CLASSES);
    assert.ok(r.json.input_size >= 64);
    assert.ok(r.json.metrics.validation_accuracy > 0 && r.json.metrics.validation_accuracy <= 1);
    assert.ok(r.json.limits.some((l) => /dermatoscop/i.test(l)));
    assert.match(r.json.disclaimer, /not a diagnosis/i);
    const card = await api(server, 'GET', r.json.card_url);
    assert.equal(card.status, 200);
    assert.match(card.json.training.command, /medcore train skin/);
    assert.equal(card.json.config.version, r.json.version);
  });
});

describe('analysing an image', () => {
  it('tells each image the urgency the model card documents (rule and thresholds from the card)', async () => {
    const card = await api(server, 'GET', '/api/v1/skin/model/card');
    const rule = card.json.evaluation.urgency_rule;
    assert.ok(rule.prompt_share > rule.soon_share && rule.soon_share > 0, JSON.stringify(rule));
    // Validation images that, with the committed model, fall in each branch: melanoma on top; a mole
    // on top with a skin-cancer share above `prompt`; a melanoma that looks like a confident mole but
    // keeps a small share (`soon`); an uncertain benign keratosis; a confident mole.
    const patient = await signupPatient(server);  // a history of its own: other tests count Ana's
    for (const id of ['ISIC_0032913', 'ISIC_0027874', 'ISIC_0033129', 'ISIC_0028826', 'ISIC_0027923']) {
      const r = await upload(server, patient, fs.readFileSync(path.join(IMAGES, `${id}.jpg`)));
      assert.equal(r.status, 201, r.text);
      const p = r.json.probabilities;
      const share = p.mel + p.bcc + p.akiec;
      const expected = ['mel', 'bcc', 'akiec'].includes(r.json.prediction.class) || share >= rule.prompt_share ? 'prompt'
        : r.json.confidence < rule.uncertain_below || share >= rule.soon_share ? 'soon' : 'routine';
      assert.equal(r.json.urgency.level, expected, `${id}: top ${r.json.prediction.class} ${r.json.confidence}, share ${share}`);
    }
  });

  it('answers the top three with probabilities, confidence, urgency, care advice and a disclaimer', async () => {
    const before = count(server, 'skin_analyses');
    const r = await upload(server, ana, LESION_JPEG);
    assert.equal(r.status, 201, r.text);
    const a = r.json;
    assert.equal(a.patient_id, ana.user.id);
    assert.deepEqual(Object.keys(a.probabilities), CLASSES);
    const sum = Object.values(a.probabilities).reduce((s, p) => s + p, 0);
    assert.ok(Math.abs(sum - 1) < 1e-3, `probabilities sum to ${sum}`);
    assert.equal(a.top.length, 3);
    assert.ok(a.top[0].probability >= a.top[1].probability && a.top[1].probability >= a.top[2].probability);
    assert.deepEqual(a.prediction, a.top[0]);
    assert.equal(a.confidence, a.prediction.probability);
    // The most likely class is the largest probability; the stated confidence decides "uncertain".
    assert.equal(a.prediction.probability, Math.max(...Object.values(a.probabilities)));
    assert.equal(a.uncertain, a.confidence < 0.6);
    assert.ok(['routine', 'soon', 'prompt'].includes(a.urgency.level));
    if (['mel', 'bcc', 'akiec'].includes(a.prediction.class)) assert.equal(a.urgency.level, 'prompt');
    if (a.uncertain) assert.notEqual(a.urgency.level, 'routine');
    assert.ok(a.care.summary.length > 20 && a.care.steps.length >= 2);
    assert.match(a.disclaimer, /not a diagnosis/i);
    assert.deepEqual(a.image, { width: 200, height: 150, format: 'jpeg' });
    assert.match(a.model.version, /mobilenetv2/);
    assert.equal(count(server, 'skin_analyses'), before + 1);

    const thumb = await api(server, 'GET', a.thumbnail_url, { session: ana });
    assert.equal(thumb.status, 200);
    assert.equal(thumb.headers.get('content-type'), 'image/jpeg');
    // A lesion photo is health data: never kept in the browser cache (it would outlive a logout).
    assert.equal(thumb.headers.get('cache-control'), 'no-store');
    const size = jpegSize(thumb.body);
    assert.ok(size.width <= 256 && size.height <= 256 && size.width > 0, JSON.stringify(size));
    // The full upload is not kept: only the thumbnail.
    const stored = await api(server, 'GET', `/api/v1/skin/analyses/${a.id}`, { session: ana });
    assert.deepEqual(stored.json, a);
  });

  it('takes PNG and WebP too, and the same pixels give the same answer', async () => {
    const p = await upload(server, ana, png(300, 240), 'image/png');
    assert.equal(p.status, 201, p.text);
    assert.deepEqual(p.json.image, { width: 300, height: 240, format: 'png' });
    const thumb = jpegSize((await api(server, 'GET', p.json.thumbnail_url, { session: ana })).body);
    assert.deepEqual(thumb, { width: 256, height: 205 });
    const w = await upload(server, ana, LESION_WEBP, 'image/webp');
    assert.equal(w.status, 201, w.text);
    assert.deepEqual(w.json.image, { width: 160, height: 120, format: 'webp' });
    const again = await upload(server, ana, LESION_JPEG);
    const first = (await api(server, 'GET', '/api/v1/skin/analyses?limit=50', { session: ana })).json.items.at(-1);
    assert.deepEqual(again.json.probabilities, first.probabilities);
  });
});

describe('bad uploads', () => {
  it('refuses what is not a usable image with problem+json, stores nothing and keeps serving', async () => {
    const before = count(server, 'skin_analyses');
    const truncated = LESION_JPEG.subarray(0, Math.floor(LESION_JPEG.length / 2));
    const cases = [
      [Buffer.from('this is a text file, not a photo'), 'image/jpeg', 422, 'not-an-image'],
      [Buffer.alloc(0), 'image/jpeg', 422, 'not-an-image'],
      [truncated, 'image/jpeg', 422, 'image-corrupt'],
      [png(40, 200), 'image/png', 422, 'image-too-small'],
      [png(64, 64, { announce: { width: 50000, height: 50000 } }), 'image/png', 422, 'image-too-large'],
      [LESION_JPEG, 'application/json', 415, 'unsupported-media-type'],
      [LESION_JPEG, 'text/plain', 415, 'unsupported-media-type'],
      [LESION_JPEG, 'image/gif', 415, 'unsupported-media-type'],
    ];
    for (const [bytes, type, status, slug] of cases) {
      assertProblem(await upload(server, ana, bytes, type), status, slug, `${type} ${bytes.length} bytes`);
    }
    // Over 10 MB: refused from the announced length, before the body is read.
    const tooLarge = await rawRequest(server, `POST /api/v1/skin/analyses HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
      `Cookie: ${ana.cookie}\r\nX-CSRF-Token: ${ana.csrf}\r\n` +
      `Content-Type: image/jpeg\r\nContent-Length: ${10 * 1024 * 1024 + 1}\r\nConnection: close\r\n\r\n`);
    assert.equal(tooLarge.status, 413);
    assert.match(tooLarge.bodyText, /payload-too-large/);
    // Exactly at the limit the body is read and judged by its content.
    const atLimit = Buffer.concat([LESION_JPEG.subarray(0, 100), Buffer.alloc(10 * 1024 * 1024 - 100)]);
    assertProblem(await upload(server, ana, atLimit), 422, 'image-corrupt');
    assert.equal(count(server, 'skin_analyses'), before);
    assert.ok(await healthy(server));
  });

  it('takes uploads from patients only, signed in, with the CSRF token', async () => {
    assertProblem(await upload(server, undefined, LESION_JPEG), 401);
    assertProblem(await upload(server, doctor, LESION_JPEG), 403, 'forbidden');
    assertProblem(await upload(server, admin, LESION_JPEG), 403, 'forbidden');
    const noCsrf = await api(server, 'POST', '/api/v1/skin/analyses',
      { session: ana, raw: LESION_JPEG, headers: { 'content-type': 'image/jpeg' }, csrf: false });
    assert.equal(noCsrf.status, 403);
  });
});

describe('history and who may see it', () => {
  it('lists a patient\'s own analyses newest first, a page at a time', async () => {
    const all = await api(server, 'GET', '/api/v1/skin/analyses?limit=100', { session: ana });
    assert.equal(all.status, 200);
    assert.ok(all.json.items.length >= 4);
    const ids = all.json.items.map((a) => a.id);
    assert.deepEqual(ids, [...ids].sort((x, y) => y - x));
    const page1 = await api(server, 'GET', '/api/v1/skin/analyses?limit=2', { session: ana });
    const page2 = await api(server, 'GET', `/api/v1/skin/analyses?limit=2&cursor=${encodeURIComponent(page1.json.next_cursor)}`, { session: ana });
    assert.deepEqual([...page1.json.items, ...page2.json.items].map((a) => a.id), ids.slice(0, 4));
    const empty = await api(server, 'GET', '/api/v1/skin/analyses', { session: bo });
    assert.deepEqual(empty.json.items, []);
  });

  it('hides one patient\'s analyses and thumbnails from other patients, unrelated doctors and admins', async () => {
    const [a] = (await api(server, 'GET', '/api/v1/skin/analyses?limit=1', { session: ana })).json.items;
    for (const who of [bo, otherDoctor, admin]) {
      assertProblem(await api(server, 'GET', `/api/v1/skin/analyses/${a.id}`, { session: who }), 404, 'not-found');
      assertProblem(await api(server, 'GET', `/api/v1/skin/analyses/${a.id}/thumbnail`, { session: who }), 404, 'not-found');
      assertProblem(await api(server, 'GET', `/api/v1/patients/${ana.user.id}/skin-analyses`, { session: who }), 403, 'forbidden');
    }
    assertProblem(await api(server, 'GET', '/api/v1/skin/analyses/999999', { session: ana }), 404, 'not-found');
    assertProblem(await api(server, 'GET', `/api/v1/skin/analyses/${a.id}`), 401);
    assert.equal(readAudit(server, { action: 'health.skin_analyses_viewed' }).length, 0);
  });

  it('lets a doctor read a patient who booked with them, and audits every read', async () => {
    const weekly = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));
    const hours = await api(server, 'PUT', '/api/v1/doctor/availability', { session: doctor, body: { time_zone: 'UTC', slot_minutes: 30, weekly } });
    assert.equal(hours.status, 200, hours.text);
    const start = new Date(Math.ceil((Date.now() + 3 * 3_600_000) / 1_800_000) * 1_800_000).toISOString();
    const booked = await api(server, 'POST', '/api/v1/appointments', { session: ana, body: { doctor_id: doctor.user.id, start } });
    assert.equal(booked.status, 201, booked.text);

    const list = await api(server, 'GET', `/api/v1/patients/${ana.user.id}/skin-analyses?limit=2`, { session: doctor });
    assert.equal(list.status, 200, list.text);
    assert.equal(list.json.items.length, 2);
    assert.ok(list.json.items.every((a) => a.patient_id === ana.user.id));
    const one = await api(server, 'GET', `/api/v1/skin/analyses/${list.json.items[0].id}`, { session: doctor });
    assert.equal(one.status, 200);
    assert.equal((await api(server, 'GET', one.json.thumbnail_url, { session: doctor })).status, 200);
    const rows = readAudit(server, { action: 'health.skin_analyses_viewed' });
    assert.equal(rows.length, 3);
    for (const row of rows) {
      assert.equal(Number(row.actor_user_id), doctor.user.id);
      assert.equal(Number(row.subject_user_id), ana.user.id);
    }
    // Bo never booked: still out of reach.
    assertProblem(await api(server, 'GET', `/api/v1/patients/${bo.user.id}/skin-analyses`, { session: doctor }), 403, 'forbidden');
    // Cancelled: the doctor no longer treats Ana.
    const cancelled = await api(server, 'POST', `/api/v1/appointments/${booked.json.id}/cancel`, { session: ana, body: { reason: 'Better' } });
    assert.equal(cancelled.status, 200, cancelled.text);
    assertProblem(await api(server, 'GET', `/api/v1/skin/analyses/${one.json.id}`, { session: doctor }), 404, 'not-found');
    assert.equal(readAudit(server, { action: 'health.skin_analyses_viewed' }).length, 3);
  });
});

describe('parallel uploads', () => {
  it('classifies a burst on the inference pool: every upload stored once or refused with 503', async () => {
    const before = count(server, 'skin_analyses');
    const results = await Promise.all(Array.from({ length: 12 }, () => upload(server, bo, LESION_JPEG)));
    const created = results.filter((r) => r.status === 201);
    for (const r of results) if (r.status !== 201) assertProblem(r, 503, 'overloaded');
    assert.ok(created.length >= 2, `only ${created.length} of 12 were classified`);
    assert.equal(count(server, 'skin_analyses'), before + created.length);
    assert.equal(new Set(created.map((r) => r.json.id)).size, created.length);
    // Same image, same answer, whichever worker ran it.
    for (const r of created) assert.deepEqual(r.json.probabilities, created[0].json.probabilities);
  });
});
