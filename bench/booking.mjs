// Booking benchmark (issue 5): many concurrent clients book random slots of many doctors over a
// simulated week; reports bookings/s, latency p50/p99 and checks afterwards, in the database,
// that no slot was booked twice and no patient is in two places at once. Then measures slot
// listing for a doctor over the full 60-day horizon.
//
//   node bench/booking.mjs                       # SQLite (a fresh database in /tmp)
//   MEDCORE_TEST_PG_URL=postgresql://… node bench/booking.mjs   # PostgreSQL (bench/booking.sh starts one)
//
// Knobs: BENCH_DOCTORS (20), BENCH_PATIENTS (200), BENCH_CLIENTS (64), BENCH_REQUESTS (6000),
// BENCH_LIST_REQUESTS (500).
import { startServer, api, signupPatient, signupDoctor, createAdmin, approveDoctor, sql, DIALECT } from '../tests/api/harness.mjs';

const DOCTORS = Number(process.env.BENCH_DOCTORS || 20);
const PATIENTS = Number(process.env.BENCH_PATIENTS || 200);
const CLIENTS = Number(process.env.BENCH_CLIENTS || 64);
const REQUESTS = Number(process.env.BENCH_REQUESTS || 6000);
const LIST_REQUESTS = Number(process.env.BENCH_LIST_REQUESTS || 500);
const HALF_HOUR = 30 * 60_000;
const DAY = 86_400_000;
const ALL_DAY = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

const server = await startServer({
  env: { MEDCORE_BOOKING_LEAD_MINUTES: '0', MEDCORE_LOG_LEVEL: 'error', MEDCORE_AUTH_RATE_PER_MINUTE: '10000000' },
});
try {
  const admin = await createAdmin(server);
  const doctors = [];
  for (let i = 0; i < DOCTORS; i++) {
    const d = await signupDoctor(server, { name: `Dr Bench ${i}`, specialty: i % 2 ? 'Cardiology' : 'Dermatology' });
    await approveDoctor(server, admin, d.user.id);
    const r = await api(server, 'PUT', '/api/v1/doctor/availability', { session: d, body: { time_zone: 'UTC', slot_minutes: 30, weekly: ALL_DAY } });
    if (r.status !== 200) throw new Error(r.text);
    doctors.push(d.user.id);
  }
  // Sign-ups hash passwords (argon2id) on their own small pool: a few at a time is as fast as it goes.
  const patients = [];
  for (let i = 0; i < PATIENTS; i += 8)
    patients.push(...(await Promise.all(Array.from({ length: Math.min(8, PATIENTS - i) }, (_, k) => signupPatient(server, { name: `Patient ${i + k}` })))));

  // The simulated week: every half hour for 7 days, starting tomorrow.
  const week0 = Math.ceil((Date.now() + DAY) / HALF_HOUR) * HALF_HOUR;
  const SLOTS = 7 * 48;
  let next = 0;
  const latencies = [];
  const byAnswer = {};
  const counts = {};
  const started = performance.now();
  async function client() {
    for (;;) {
      const i = next++;
      if (i >= REQUESTS) return;
      const patient = patients[Math.floor(Math.random() * patients.length)];
      const doctor = doctors[Math.floor(Math.random() * doctors.length)];
      const start = new Date(week0 + Math.floor(Math.random() * SLOTS) * HALF_HOUR).toISOString();
      const t0 = performance.now();
      const r = await api(server, 'POST', '/api/v1/appointments', { session: patient, body: { doctor_id: doctor, start } });
      latencies.push(performance.now() - t0);
      const key = r.status === 409 ? `409 ${r.json.type.split(':').pop()}` : String(r.status);
      counts[key] = (counts[key] || 0) + 1;
      (byAnswer[key] ||= []).push(latencies.at(-1));
    }
  }
  await Promise.all(Array.from({ length: CLIENTS }, client));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);

  const doubles = sql(server, `SELECT doctor_id, start_at, count(*) AS n FROM appointments WHERE status <> 'cancelled' GROUP BY doctor_id, start_at HAVING count(*) > 1`);
  const overlaps = sql(server, `SELECT a.id FROM appointments a JOIN appointments b ON a.patient_id = b.patient_id AND a.id < b.id AND a.status = 'booked' AND b.status = 'booked' AND a.start_at < b.end_at AND b.start_at < a.end_at`);
  const booked = Number(sql(server, `SELECT count(*) AS n FROM appointments`)[0].n);

  // Slot listing: a doctor with weekday hours over the whole 60-day horizon (~1,100 slots).
  const lister = await signupDoctor(server, { name: 'Dr Lister' });
  await approveDoctor(server, admin, lister.user.id);
  const weekdays = [1, 2, 3, 4, 5].flatMap((weekday) => [{ weekday, start: '09:00', end: '12:00' }, { weekday, start: '13:00', end: '17:00' }]);
  await api(server, 'PUT', '/api/v1/doctor/availability', { session: lister, body: { time_zone: 'Europe/Lisbon', slot_minutes: 15, weekly: weekdays } });
  const to = new Date(Date.now() + 60 * DAY).toISOString();
  const listLat = [];
  let slotsListed = 0;
  for (let i = 0; i < LIST_REQUESTS; i++) {
    const t0 = performance.now();
    const r = await api(server, 'GET', `/api/v1/doctors/${lister.user.id}/slots?to=${to}`);
    listLat.push(performance.now() - t0);
    slotsListed = r.json.slots.length;
  }
  listLat.sort((a, b) => a - b);

  console.log(JSON.stringify({
    database: DIALECT,
    doctors: DOCTORS, patients: PATIENTS, clients: CLIENTS, requests: REQUESTS, slots_offered: DOCTORS * SLOTS,
    seconds: Number(seconds.toFixed(2)),
    requests_per_second: Math.round(REQUESTS / seconds),
    bookings: booked, bookings_per_second: Math.round(booked / seconds),
    answers: counts,
    p50_ms_by_answer: Object.fromEntries(Object.entries(byAnswer).map(([k, v]) => [k, Number(pct(v.sort((a, b) => a - b), 50).toFixed(1))])),
    latency_ms: { p50: Number(pct(latencies, 50).toFixed(1)), p99: Number(pct(latencies, 99).toFixed(1)), max: Number(latencies.at(-1).toFixed(1)) },
    double_booked_slots: doubles.length, patient_overlaps: overlaps.length,
    slot_listing_60_days: { slots: slotsListed, p50_ms: Number(pct(listLat, 50).toFixed(2)), p99_ms: Number(pct(listLat, 99).toFixed(2)) },
  }, null, 2));
  if (doubles.length || overlaps.length) {
    console.error('INVARIANT BROKEN: a slot was booked twice or a patient double-booked');
    process.exitCode = 1;
  }
} finally {
  await server.stop();
}
