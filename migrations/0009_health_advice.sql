-- The AI health advisor (issue 16): every answer a patient was given, as given, and the
-- administrator's switch that lets a network AI provider receive de-identified facts.
-- Shared by SQLite and PostgreSQL. Statements end with ';' at the end of a line.

-- One row per POST /api/v1/health/advice. `answer` is the engine's answer as JSON
-- (ai::to_json(Answer)): a later engine or wording never rewrites what a patient was told.
-- provider/model/fell_back/reason repeat the answer's own fields so the history and the admin can
-- be read without parsing it. No CHECK list on provider or reason: the engine owns those names.
CREATE TABLE health_advice (
  id {{id_pk}},
  patient_id BIGINT NOT NULL REFERENCES patients (user_id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  fell_back INTEGER NOT NULL,  -- 0 or 1
  reason TEXT NOT NULL,
  answer TEXT NOT NULL
);
-- The history: one patient's advice, newest first.
CREATE INDEX health_advice_patient_idx ON health_advice (patient_id, created_at, id);

-- Switches an administrator sets at run time (not deployment settings: those are MEDCORE_*).
-- `ai.provider_enabled`: '1' lets the configured network provider (MEDCORE_AI_PROVIDER gemini or
-- openai) be asked; absent or '0' keeps every answer offline. Changes are audited (ai.settings_changed).
CREATE TABLE admin_settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_by BIGINT REFERENCES users (id),
  updated_at BIGINT NOT NULL
);
