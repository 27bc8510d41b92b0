-- Appointments: doctors' weekly availability and exceptions, bookings, idempotency keys.
-- Shared by SQLite and PostgreSQL. Statements end with ';' at the end of a line.
-- Instants are BIGINT epoch ms (UTC); local dates TEXT YYYY-MM-DD; local times are minutes after
-- local midnight in the doctor's IANA time zone (doctors.time_zone).

-- Mails are written in the recipient's zone: a patient's own, a doctor's schedule zone.
ALTER TABLE patients ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

-- The length of a doctor's slots. No row: the doctor has not published availability yet.
CREATE TABLE doctor_schedules (
  doctor_id BIGINT PRIMARY KEY REFERENCES doctors (user_id) ON DELETE CASCADE,
  slot_minutes INTEGER NOT NULL CHECK (slot_minutes BETWEEN 10 AND 60),
  updated_at BIGINT NOT NULL
);

-- Weekly working hours: one row per interval; ISO weekday (1 = Monday … 7 = Sunday).
CREATE TABLE availability_rules (
  id {{id_pk}},
  doctor_id BIGINT NOT NULL REFERENCES doctors (user_id) ON DELETE CASCADE,
  weekday INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
  start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
  end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
  CHECK (start_minute < end_minute)
);
CREATE INDEX availability_rules_doctor_idx ON availability_rules (doctor_id, weekday);

-- Dated changes: a day (or part of one) off, or extra hours on a date.
CREATE TABLE availability_exceptions (
  id {{id_pk}},
  doctor_id BIGINT NOT NULL REFERENCES doctors (user_id) ON DELETE CASCADE,
  local_date TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('off', 'extra')),
  start_minute INTEGER CHECK (start_minute IS NULL OR start_minute BETWEEN 0 AND 1439),
  end_minute INTEGER CHECK (end_minute IS NULL OR end_minute BETWEEN 1 AND 1440),
  note TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  CHECK ((start_minute IS NULL AND end_minute IS NULL AND kind = 'off')
         OR (start_minute IS NOT NULL AND end_minute IS NOT NULL AND start_minute < end_minute))
);
CREATE INDEX availability_exceptions_doctor_idx ON availability_exceptions (doctor_id, local_date);

CREATE TABLE appointments (
  id {{id_pk}},
  patient_id BIGINT NOT NULL REFERENCES patients (user_id) ON DELETE CASCADE,
  doctor_id BIGINT NOT NULL REFERENCES doctors (user_id) ON DELETE CASCADE,
  start_at BIGINT NOT NULL,
  end_at BIGINT NOT NULL,
  status TEXT NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'completed', 'no_show', 'cancelled')),
  reason TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  cancelled_at BIGINT,
  cancelled_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
  cancel_reason TEXT,
  reschedule_count INTEGER NOT NULL DEFAULT 0,
  CHECK (start_at < end_at)
);
-- The double-booking guarantee: one active (not cancelled) appointment per doctor and start.
CREATE UNIQUE INDEX appointments_doctor_slot_active ON appointments (doctor_id, start_at) WHERE status <> 'cancelled';
CREATE INDEX appointments_doctor_time_idx ON appointments (doctor_id, start_at);
CREATE INDEX appointments_patient_time_idx ON appointments (patient_id, start_at);

-- A retried POST with the same Idempotency-Key returns the first answer (stored here).
CREATE TABLE idempotency_keys (
  id {{id_pk}},
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  scope TEXT NOT NULL,
  idem_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  response TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX idempotency_keys_unique ON idempotency_keys (user_id, scope, idem_key);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
