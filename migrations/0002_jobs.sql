-- Background jobs and recurring rules (src/jobs/).
-- A job row is one piece of work: pending until run_at, running while an instance holds its lease
-- (locked_by until locked_until), then done, failed (after max_attempts runs) or cancelled.
-- attempts counts runs started; the runner's completion updates match on (locked_by, attempts),
-- so an instance whose lease was taken over cannot mark the job.

CREATE TABLE jobs (
  id {{id_pk}},
  kind TEXT NOT NULL,
  payload TEXT NOT NULL DEFAULT '{}',
  run_at BIGINT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed', 'cancelled')),
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts INTEGER NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
  dedupe_key TEXT,
  last_error TEXT,
  locked_by TEXT,
  locked_until BIGINT,
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  finished_at BIGINT,
  CHECK (status <> 'running' OR (locked_by IS NOT NULL AND locked_until IS NOT NULL))
);
-- At most one pending job per key: scheduling the same key again moves that job (ON CONFLICT).
CREATE UNIQUE INDEX jobs_pending_dedupe_unique ON jobs (dedupe_key) WHERE status = 'pending';
-- The claim query: due pending jobs, and running jobs whose lease ran out.
CREATE INDEX jobs_pending_due_idx ON jobs (run_at) WHERE status = 'pending';
CREATE INDEX jobs_running_lease_idx ON jobs (locked_until) WHERE status = 'running';
-- Nightly cleanup of finished jobs.
CREATE INDEX jobs_finished_idx ON jobs (finished_at) WHERE status IN ('done', 'failed', 'cancelled');

-- Recurring rules: every instance registers the same rules at start-up; whoever advances
-- next_run_at with a conditional UPDATE inserts that occurrence's job, so each occurrence
-- becomes exactly one job however many instances run.
CREATE TABLE recurring_jobs (
  name TEXT PRIMARY KEY,
  cron TEXT NOT NULL,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL DEFAULT '{}',
  next_run_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
