-- Mail delivery: leases on outbox rows, and per-user switches for optional mail categories.
-- Shared by SQLite and PostgreSQL. Statements end with ';' at the end of a line.

-- A delivery worker claims a mail by setting status 'sending', its instance id and a lease end;
-- a mail whose lease ran out (the instance died) is claimed again.
ALTER TABLE outbox ADD COLUMN locked_by TEXT;
ALTER TABLE outbox ADD COLUMN locked_until BIGINT;
CREATE INDEX outbox_status_id_idx ON outbox (status, id);

-- Optional categories a user may switch off (1 = on). No row means everything on.
CREATE TABLE notification_preferences (
  user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  reminders INTEGER NOT NULL DEFAULT 1 CHECK (reminders IN (0, 1)),
  chat INTEGER NOT NULL DEFAULT 1 CHECK (chat IN (0, 1)),
  updated_at BIGINT
);
