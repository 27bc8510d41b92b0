// Local state is private to the service user: the SQLite database with its WAL and shared-memory
// files, MEDCORE_VAR_DIR and the mail files in it (0600 files, 0700 folders), whatever the umask
// medcore was started with; files an older version left readable are tightened at start.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, prepareEnv, signupPatient, readOutbox } from './harness.mjs';
import { waitFor } from './support/mail.mjs';

const modeOf = (p) => fs.statSync(p).mode & 0o777;
const octal = (m) => '0' + m.toString(8);

function assertPrivate(p, what) {
  const mode = modeOf(p);
  assert.equal(mode & 0o077, 0, `${what} (${p}) is ${octal(mode)}: readable by group or others`);
}

async function checkState(server) {
  const p = await signupPatient(server);
  const mailDir = path.join(server.varDir, 'mail');
  const [row] = readOutbox(server, { template: 'welcome', to: p.email });
  assert.ok(row, 'a welcome mail queued');
  const eml = await waitFor(() => fs.existsSync(mailDir) && fs.readdirSync(mailDir).find((f) => f.endsWith('.eml')), 'a mail file');
  if (server.sqliteFile) {
    for (const suffix of ['', '-wal', '-shm']) {
      const f = server.sqliteFile + suffix;
      assert.ok(fs.existsSync(f), `${f} exists while the server runs (WAL mode)`);
      assertPrivate(f, `the database file${suffix}`);
    }
  }
  assertPrivate(server.varDir, 'MEDCORE_VAR_DIR');
  assertPrivate(mailDir, 'the mail folder');
  assertPrivate(path.join(mailDir, eml), 'a mail file');
}

describe('state files are private', () => {
  it('a fresh start creates the database, its WAL and SHM, var/ and mail files private (umask 022 inherited)', async () => {
    // The harness made var/ with the test runner's umask (0755 here): that is an older version's folder.
    const old = process.umask(0o022);
    let server;
    try {
      server = await startServer();
      await checkState(server);
    } finally {
      process.umask(old);
      if (server) assert.equal((await server.stop()).code, 0);
    }
  });

  it('a database file and folders left world-readable by an older version are tightened at start', async () => {
    const ctx = await prepareEnv();
    let server;
    try {
      fs.chmodSync(ctx.varDir, 0o755);
      fs.mkdirSync(path.join(ctx.varDir, 'mail'), { mode: 0o755 });
      fs.chmodSync(path.join(ctx.varDir, 'mail'), 0o755);
      if (ctx.sqliteFile) {
        fs.writeFileSync(ctx.sqliteFile, '');  // an empty file is an empty SQLite database
        fs.chmodSync(ctx.sqliteFile, 0o644);
      }
      server = await startServer({ ctx });
      await checkState(server);
      assert.match(server.output.stdout, /"state_permissions_tightened"/);
    } finally {
      if (server) assert.equal((await server.stop()).code, 0);
      else await ctx.dropDatabase();
    }
  });
});
