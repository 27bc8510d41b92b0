-- Disease risk predictions (issue 7): every result a patient asked for, as it was answered.
-- Shared by SQLite and PostgreSQL. Statements end with ';' at the end of a line.

CREATE TABLE predictions (
  id {{id_pk}},
  patient_id BIGINT NOT NULL REFERENCES patients (user_id) ON DELETE CASCADE,
  model TEXT NOT NULL CHECK (model IN ('heart', 'diabetes', 'stroke')),
  model_version TEXT NOT NULL,
  probability DOUBLE PRECISION NOT NULL CHECK (probability >= 0 AND probability <= 1),
  band TEXT NOT NULL CHECK (band IN ('low', 'moderate', 'high')),
  -- The named features exactly as validated (JSON object).
  inputs TEXT NOT NULL,
  -- The rest of the answer as it was given (factors, contributions, confidence, disclaimer; JSON):
  -- a later model version or wording never rewrites what a patient was told.
  result TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX predictions_patient_idx ON predictions (patient_id, id);
