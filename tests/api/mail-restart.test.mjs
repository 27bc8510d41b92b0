// kill -9 with 1,000 pending mails (file transport): after a restart every row is sent and every
// Message-ID has its .eml (a mail may be written twice, but only under its one Message-ID).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { prepareEnv, startServer, sql, sqlExec, count, sleep } from './harness.mjs';
import { readEmlDir, waitFor } from './support/mail.mjs';

const N = 1000;

it(`kill -9 while ${N} mails are pending: none lost after the restart`, async (t) => {
  const ctx = await prepareEnv({ env: {
    MEDCORE_MAIL_POLL_MS: '50',
    // The same instance id across the restart: the new process takes back the old leases at once
    // (on SQLite it does anyway; on PostgreSQL it would otherwise wait for the lease to expire).
    MEDCORE_INSTANCE_ID: 'restart-test',
  } });
  const m = await ctx.cli(['migrate']);
  assert.equal(m.code, 0, m.stderr);
  const data = `'{"name":"Patient '||i||'","reset_url":"http://app.test/reset-password?token=t'||i||'","expires_minutes":30}'`;
  const cols = 'created_at, category, template, to_email, data, message_id, status, attempts, next_attempt_at';
  const vals = `0, 'security', 'password_reset', 'p'||i||'@example.org', ${data}, '<restart-'||i||'@medcore>', 'pending', 0, 0`;
  const insert = ctx.sqliteFile
    ? `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${N}) INSERT INTO outbox (${cols}) SELECT ${vals} FROM n`
    : `INSERT INTO outbox (${cols}) SELECT ${vals} FROM generate_series(1, ${N}) AS i`;
  sqlExec(ctx, insert);
  assert.equal(count(ctx, 'outbox', "status = 'pending'"), N);

  const mailDir = path.join(ctx.varDir, 'mail');
  const files = () => (fs.existsSync(mailDir) ? fs.readdirSync(mailDir).filter((f) => f.endsWith('.eml')).length : 0);

  const first = await startServer({ ctx });
  await waitFor(() => files() >= 150, 'the first 150 mails', 30_000, 5);
  first.child.kill('SIGKILL');
  const exit = await first.exited;
  assert.equal(exit.signal, 'SIGKILL');
  const sentAtKill = count(ctx, 'outbox', "status = 'sent'");
  t.diagnostic(`killed with ${sentAtKill} of ${N} marked sent, ${files()} files`);
  assert.ok(sentAtKill < N, `the kill came before the end (${sentAtKill} sent)`);

  const second = await startServer({ ctx });
  t.after(() => second.stop());
  await waitFor(() => count(ctx, 'outbox', "status = 'sent'") === N, `all ${N} sent`, 60_000, 100);
  assert.equal(count(ctx, 'outbox', "status <> 'sent'"), 0);

  const ids = new Set(sql(ctx, 'SELECT message_id FROM outbox').map((r) => r.message_id));
  assert.equal(ids.size, N);
  const seen = new Map();
  for (const mail of readEmlDir(mailDir)) {
    const id = mail.headers['message-id'];
    assert.ok(ids.has(id), `unknown Message-ID ${id} in ${mail.file}`);
    seen.set(id, (seen.get(id) || 0) + 1);
  }
  const missing = [...ids].filter((id) => !seen.has(id));
  assert.deepEqual(missing, [], 'every Message-ID has a file');
  await sleep(0);
});
