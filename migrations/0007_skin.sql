-- Skin lesion checks (issue 8): every analysis a patient asked for, as it was answered, with a
-- small thumbnail of the image (the full upload is not kept). Shared by SQLite and PostgreSQL.
-- Statements end with ';' at the end of a line.

CREATE TABLE skin_analyses (
  id {{id_pk}},
  patient_id BIGINT NOT NULL REFERENCES patients (user_id) ON DELETE CASCADE,
  model_version TEXT NOT NULL,
  predicted_class TEXT NOT NULL CHECK (predicted_class IN ('akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc')),
  confidence DOUBLE PRECISION NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  urgency TEXT NOT NULL CHECK (urgency IN ('routine', 'soon', 'prompt')),
  -- The rest of the answer as it was given (probabilities, care advice, disclaimer; JSON): a later
  -- model or wording never rewrites what a patient was told.
  result TEXT NOT NULL,
  -- JPEG, at most 256 px on the longer side, base64 (portable across both drivers).
  thumbnail TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX skin_analyses_patient_idx ON skin_analyses (patient_id, id);
