-- Health readings (issue 16): what a patient measured at home, in canonical units (mmHg, mg/dL, /min,
-- kg, %, °C) with the main value and unit as entered beside them. The CHECK lists are the model's
-- enums (src/features/health/model.hpp: all_kinds, all_units, all_glucose_contexts, all_sources).
-- Shared by SQLite and PostgreSQL. Statements end with ';' at the end of a line.

CREATE TABLE health_readings (
  id {{id_pk}},
  patient_id BIGINT NOT NULL REFERENCES patients (user_id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('blood_pressure', 'blood_glucose', 'heart_rate', 'body_weight', 'bmi', 'spo2', 'body_temperature')),
  measured_at BIGINT NOT NULL,
  -- Canonical values: `value` for every kind but blood pressure, which has systolic and diastolic
  -- (mmHg) and an optional pulse (/min).
  value DOUBLE PRECISION,
  systolic DOUBLE PRECISION,
  diastolic DOUBLE PRECISION,
  pulse DOUBLE PRECISION,
  -- The main value as the patient entered it (systolic for blood pressure) and its unit.
  entered_value DOUBLE PRECISION NOT NULL,
  entered_unit TEXT NOT NULL CHECK (entered_unit IN ('mmhg', 'mg_dl', 'mmol_l', 'per_min', 'kg', 'lb', 'kg_m2', 'percent', 'celsius', 'fahrenheit')),
  glucose_context TEXT CHECK (glucose_context IS NULL OR glucose_context IN ('fasting', 'before_meal', 'after_meal_2h', 'random', 'bedtime')),
  note TEXT,
  source TEXT NOT NULL CHECK (source IN ('manual', 'import', 'device')),
  -- Imported rows: a digest of the row's measurement, so importing the same file (or an overlapping
  -- export of the same monitor) again adds nothing twice. NULL for readings entered by hand.
  import_key TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  -- Soft delete: the row stays (the audit log points at it) but no list, chart or export shows it.
  deleted_at BIGINT,
  deleted_by BIGINT REFERENCES users (id),
  CHECK ((kind = 'blood_pressure' AND systolic IS NOT NULL AND diastolic IS NOT NULL AND value IS NULL)
      OR (kind <> 'blood_pressure' AND value IS NOT NULL AND systolic IS NULL AND diastolic IS NULL AND pulse IS NULL)),
  CHECK ((kind = 'blood_glucose') = (glucose_context IS NOT NULL))
);
-- Charts and filtered lists: one patient's readings of one kind in a time range.
CREATE INDEX health_readings_patient_kind_time_idx ON health_readings (patient_id, kind, measured_at, id);
-- Unfiltered lists and exports: one patient's readings by time.
CREATE INDEX health_readings_patient_time_idx ON health_readings (patient_id, measured_at, id);
-- Deleted rows keep their key: a reading deleted after an import does not come back with the next one.
CREATE UNIQUE INDEX health_readings_import_key_unique ON health_readings (patient_id, import_key);
