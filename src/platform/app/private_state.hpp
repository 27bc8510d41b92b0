#pragma once
// Local state (the SQLite database with its WAL and shared-memory files, mail files, demo
// credentials under MEDCORE_VAR_DIR) holds health data and secrets: only the service user may
// read it.
namespace medcore {

struct Config;

// Sets the process umask to 077, so every file and directory medcore creates from now on is
// private (0600 / 0700) — including the WAL and shared-memory files SQLite makes itself. Files an
// older version left readable by group or others (MEDCORE_VAR_DIR, its mail/ folder, the SQLite
// database and its -wal, -shm, -journal files) are tightened in place and logged
// (`state_permissions_tightened`); one owned by another user cannot be, and is logged
// (`state_not_private`) without stopping the start.
void keep_state_private(const Config& config);

}  // namespace medcore
