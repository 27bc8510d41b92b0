// The OpenAPI document served by the binary describes exactly the routes the binary has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer } from './harness.mjs';

const bin = process.env.MEDCORE_BIN || 'build/medcore';

test('openapi.json covers every registered route and nothing more', async (t) => {
  const routes = execFileSync(bin, ['routes'], { encoding: 'utf8' })
    .trim().split('\n')
    .map((line) => {
      const [method, pattern] = line.split(' ');
      // {id:int} in the router is {id} in OpenAPI
      return `${method.toLowerCase()} ${pattern.replace(/\{([a-z_]+):[a-z]+\}/g, '{$1}')}`;
    });
  assert.ok(routes.length >= 20, 'the binary lists its routes');

  const server = await startServer();
  t.after(() => server.stop());
  const res = await fetch(`${server.url}/api/v1/openapi.json`);
  assert.equal(res.status, 200);
  const doc = await res.json();
  assert.match(doc.openapi, /^3\.1\./);

  const documented = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      if (item[method]) documented.push(`${method} ${path}`);
    }
  }
  assert.deepEqual([...documented].sort(), [...routes].sort());
});
