-- Chat: conversations between one patient and one doctor, their messages, read state and presence.
-- Shared by SQLite and PostgreSQL. Statements end with ';' at the end of a line.
-- Instants are BIGINT epoch ms (UTC). Message text is stored as plain text, never as HTML.

-- One conversation per (patient, doctor) pair; the pair is unique, so a second "start" finds it.
CREATE TABLE conversations (
  id {{id_pk}},
  patient_id BIGINT NOT NULL REFERENCES patients (user_id) ON DELETE CASCADE,
  doctor_id BIGINT NOT NULL REFERENCES doctors (user_id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  last_message_id BIGINT,
  last_message_at BIGINT,
  -- The last email alert for a new message in this conversation, per recipient role.
  patient_alerted_at BIGINT,
  doctor_alerted_at BIGINT
);
CREATE UNIQUE INDEX conversations_pair_unique ON conversations (patient_id, doctor_id);
CREATE INDEX conversations_doctor_idx ON conversations (doctor_id);

CREATE TABLE messages (
  id {{id_pk}},
  conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  sender_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
  client_message_id TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
-- A resend with the same client message id finds the stored message instead of a duplicate.
CREATE UNIQUE INDEX messages_client_id_unique ON messages (sender_id, client_message_id);
CREATE INDEX messages_conversation_idx ON messages (conversation_id, id);

-- How far each participant has read (the id of the last message they saw).
CREATE TABLE conversation_reads (
  conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  last_read_message_id BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (conversation_id, user_id)
);

-- Presence: open chat connections of a user over every instance, and when they were last seen.
CREATE TABLE chat_presence (
  user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  connections INTEGER NOT NULL DEFAULT 0,
  last_seen_at BIGINT NOT NULL
);
