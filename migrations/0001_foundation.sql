-- Foundation: accounts, sessions, password tokens, audit log, outbox.
-- Shared by SQLite and PostgreSQL. Tokens: {{id_pk}} is the dialect's auto-increment primary key.
-- Instants are BIGINT Unix epoch milliseconds (UTC); calendar dates are TEXT YYYY-MM-DD.
-- Statements end with ';' at the end of a line (the runner splits on that).

CREATE TABLE users (
  id {{id_pk}},
  email TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('patient', 'doctor', 'admin')),
  name TEXT NOT NULL,
  phone TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  password_changed_at BIGINT NOT NULL
);
-- Emails are stored trimmed and lower-cased; uniqueness is the database's job.
CREATE UNIQUE INDEX users_email_unique ON users (email);

CREATE TABLE patients (
  user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  date_of_birth TEXT NOT NULL,
  sex TEXT NOT NULL CHECK (sex IN ('female', 'male', 'intersex', 'unknown'))
);

CREATE TABLE doctors (
  user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  specialty TEXT NOT NULL,
  licence_number TEXT NOT NULL,
  years_experience INTEGER NOT NULL CHECK (years_experience BETWEEN 0 AND 70),
  bio TEXT NOT NULL DEFAULT '',
  consultation_fee_cents BIGINT NOT NULL CHECK (consultation_fee_cents >= 0),
  date_of_birth TEXT,
  sex TEXT CHECK (sex IS NULL OR sex IN ('female', 'male', 'intersex', 'unknown')),
  time_zone TEXT NOT NULL DEFAULT 'UTC',
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'suspended')),
  status_reason TEXT,
  reviewed_by BIGINT REFERENCES users (id),
  reviewed_at BIGINT
);
CREATE INDEX doctors_status_idx ON doctors (status, specialty);

CREATE TABLE admins (
  user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  created_by BIGINT REFERENCES users (id)
);

CREATE TABLE sessions (
  id {{id_pk}},
  token_hash TEXT NOT NULL,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  absolute_expires_at BIGINT NOT NULL,
  ip TEXT,
  user_agent TEXT,
  revoked_at BIGINT
);
CREATE UNIQUE INDEX sessions_token_hash_unique ON sessions (token_hash);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expiry_idx ON sessions (expires_at);

CREATE TABLE password_tokens (
  id {{id_pk}},
  token_hash TEXT NOT NULL,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose TEXT NOT NULL CHECK (purpose IN ('reset')),
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);
CREATE UNIQUE INDEX password_tokens_hash_unique ON password_tokens (token_hash);
CREATE INDEX password_tokens_user_idx ON password_tokens (user_id);

-- Who did what to whom. subject_user_id is the person whose data or account was touched.
CREATE TABLE audit_log (
  id {{id_pk}},
  at BIGINT NOT NULL,
  actor_user_id BIGINT,
  action TEXT NOT NULL,
  subject_user_id BIGINT,
  ip TEXT,
  request_id TEXT,
  details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_user_id, id);
CREATE INDEX audit_log_subject_idx ON audit_log (subject_user_id, id);
CREATE INDEX audit_log_action_idx ON audit_log (action, id);

-- Mail written in the same transaction as the change that causes it; delivered later.
CREATE TABLE outbox (
  id {{id_pk}},
  created_at BIGINT NOT NULL,
  category TEXT NOT NULL,
  template TEXT NOT NULL,
  to_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
  to_email TEXT NOT NULL,
  data TEXT NOT NULL DEFAULT '{}',
  message_id TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  last_error TEXT,
  sent_at BIGINT
);
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);
