// The HTTP edge (issue 13): which origins may use the session cookie, HSTS, per-client
// connection caps and the descriptor budget, and where /metrics is served. Framing and the
// metrics label rules are in server.test.mjs.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import {
  startServer, prepareEnv, runCli, rawRequest, signupPatient, patientBody, PASSWORD, withTimeout, freePort,
} from './harness.mjs';

// One request with exactly these headers (fetch would not let a test choose Host). Resolves
// {status, headers, json, text}.
function send(server, method, path, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const h = { host: `127.0.0.1:${server.port}`, connection: 'close', ...headers };
    if (payload !== undefined) { h['content-type'] = 'application/json'; h['content-length'] = Buffer.byteLength(payload); }
    const req = http.request({ host: '127.0.0.1', port: server.port, method, path, headers: h, timeout: 10_000 }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, json, text });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 10 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

// A cookie session's unsafe request with the right CSRF token, from `origin` to `host`.
const rename = (server, s, name, origin, host) => send(server, 'PATCH', '/api/v1/me', {
  headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, origin, ...(host ? { host } : {}) }, body: { name },
});

function once(emitter, event, ms = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no "${event}" within ${ms} ms`)), ms);
    emitter.once(event, (...args) => { clearTimeout(t); resolve(args); });
  });
}

describe('Origin: compared with the public URL (scheme included) and MEDCORE_ALLOWED_ORIGINS, not with Host', () => {
  let server, patient;
  before(async () => {
    // The harness's public URL is http://app.test; the test talks to 127.0.0.1.
    server = await startServer({ env: { MEDCORE_ALLOWED_ORIGINS: 'https://staff.example, http://localhost:5173' } });
    patient = await signupPatient(server);
  });
  after(async () => { if (server) await server.stop(); });

  it('DNS rebinding: Origin and Host both naming the attacker → 403 csrf, nothing changed', async () => {
    const r = await rename(server, patient, 'Rebound', 'http://evil.example', 'evil.example');
    assert.equal(r.status, 403, r.text);
    assert.equal(r.json?.type, 'urn:medcore:problem:csrf');
    const port = await rename(server, patient, 'Rebound', `http://evil.example:${server.port}`, `evil.example:${server.port}`);
    assert.equal(port.status, 403, port.text);
    const login = await send(server, 'POST', '/api/v1/auth/login', {
      headers: { origin: 'http://evil.example', host: 'evil.example' }, body: { email: patient.email, password: PASSWORD },
    });
    assert.equal(login.status, 403, `a rebound page cannot sign in either: ${login.text}`);
    const me = await send(server, 'GET', '/api/v1/me', { headers: { cookie: patient.cookie } });
    assert.equal(me.json.user.name, patient.user.name);
  });

  it('the public URL\'s origin and the allowed ones pass; the same host with the other scheme does not', async () => {
    assert.equal((await rename(server, patient, 'From the public URL', 'http://app.test', 'app.test')).status, 200);
    assert.equal((await rename(server, patient, 'From the public URL, any Host', 'http://app.test')).status, 200);
    assert.equal((await rename(server, patient, 'Staff site', 'https://staff.example')).status, 200);
    assert.equal((await rename(server, patient, 'Vite dev server', 'http://localhost:5173')).status, 200);
    const https = await rename(server, patient, 'Wrong scheme', 'https://app.test', 'app.test');
    assert.equal(https.status, 403, `https origin for an http site: ${https.text}`);
    const foreign = await rename(server, patient, 'Foreign', 'https://evil.example');
    assert.equal(foreign.status, 403);
    assert.equal((await rename(server, patient, 'Null', 'null')).status, 403);
  });

  it('a loopback origin passes only for the very host:port it was sent to, with the request\'s scheme', async () => {
    const here = `127.0.0.1:${server.port}`;
    assert.equal((await rename(server, patient, 'Loopback', `http://${here}`, here)).status, 200);
    assert.equal((await rename(server, patient, 'Localhost', `http://localhost:${server.port}`, `localhost:${server.port}`)).status, 200);
    const https = await rename(server, patient, 'Loopback https', `https://${here}`, here);
    assert.equal(https.status, 403, `https origin on an http connection: ${https.text}`);
    const otherPort = await rename(server, patient, 'Other local app', 'http://localhost:3000', `localhost:${server.port}`);
    assert.equal(otherPort.status, 403, otherPort.text);
  });

  it('the /chat handshake applies the same rule to the session cookie', async () => {
    const sockets = [];
    const open = (origin, host) => {
      const s = io(server.url + '/chat', {
        forceNew: true, reconnection: false, transports: ['websocket'],
        extraHeaders: { cookie: patient.cookie, origin, ...(host ? { host } : {}) },
      });
      sockets.push(s);
      return s;
    };
    try {
      const [rebound] = await once(open('http://evil.example', 'evil.example'), 'connect_error');
      assert.match(rebound.message, /forbidden origin/);
      const [https] = await once(open('https://app.test'), 'connect_error');
      assert.match(https.message, /forbidden origin/);
      await once(open('http://app.test'), 'connect');
      await once(open(`http://127.0.0.1:${server.port}`), 'connect');
    } finally {
      for (const s of sockets) s.disconnect();
    }
  });

  it('a MEDCORE_ALLOWED_ORIGINS entry that is not an origin stops the start, naming the variable', async () => {
    const ctx = await prepareEnv({ env: { MEDCORE_ALLOWED_ORIGINS: 'https://ok.example, https://bad.example/path' } });
    try {
      const r = await runCli(ctx.env, ['serve'], { timeoutMs: 15_000 });
      assert.notEqual(r.code, 0, `serve exited ${r.code} (signal ${r.signal})`);
      assert.match(r.stderr, /MEDCORE_ALLOWED_ORIGINS/);
    } finally {
      await ctx.dropDatabase();
    }
  });
});

describe('HSTS: sent on every answer exactly when MEDCORE_COOKIE_SECURE is on', () => {
  const HSTS = 'max-age=31536000; includeSubDomains';
  // API, probe, static, 404, and a 400 written before the request is even parsed.
  async function answers(server) {
    return {
      api: (await send(server, 'GET', '/api/v1/doctors')).headers,
      healthz: (await send(server, 'GET', '/healthz')).headers,
      static: (await send(server, 'GET', '/')).headers,
      notFound: (await send(server, 'GET', '/api/v1/nothing-here')).headers,
      proxiedHttps: (await send(server, 'GET', '/api/v1/doctors', { headers: { 'x-forwarded-proto': 'https' } })).headers,
      badHead: await rawRequest(server, 'GET /healthz HTTP/1.1\r\nHost: a\r\nNot A Field\r\n\r\n')
        .then((r) => ({ ...r.headers, status: String(r.status) })),
    };
  }

  it('on: every answer carries Strict-Transport-Security', async () => {
    const server = await startServer({ env: { MEDCORE_COOKIE_SECURE: '1' } });
    try {
      const a = await answers(server);
      assert.equal(a.badHead.status, '400', 'a broken header line is refused');
      for (const [what, headers] of Object.entries(a)) assert.equal(headers['strict-transport-security'], HSTS, what);
    } finally {
      await server.stop();
    }
  });

  it('off: never, even behind a trusted proxy that says https', async () => {
    const server = await startServer({ env: { MEDCORE_TRUST_PROXY: '1' } });
    try {
      const a = await answers(server);
      for (const [what, headers] of Object.entries(a)) assert.equal(headers['strict-transport-security'], undefined, what);
    } finally {
      await server.stop();
    }
  });
});

// Opens `n` idle connections from `localAddress` (any 127.0.0.0/8 address is a different client
// on loopback). Resolves with the sockets once all are connected; `closed` resolves when `expect`
// of them have been closed by the server.
async function flood(server, n, localAddress, expectClosed) {
  const sockets = [];
  let closedCount = 0;
  let onClosed;
  const closed = new Promise((resolve) => { onClosed = resolve; });
  await Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
    const s = net.connect({ port: server.port, host: '127.0.0.1', localAddress });
    s.on('error', () => {});
    s.once('close', () => { s.closedByServer = true; if (++closedCount === expectClosed) onClosed(true); });
    s.once('connect', resolve);
    s.once('error', reject);
    sockets.push(s);
  })));
  return { sockets, closed, closedCount: () => closedCount };
}

// GET path from `localAddress`; resolves {status, json} or null when no answer came within ms.
function getFrom(server, path, localAddress, ms = 3000, agent = undefined) {
  return withTimeout(new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: server.port, path, localAddress, agent }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', (e) => resolve({ status: 0, error: e.code || e.message }));
  }), ms);
}

const closeAll = (sockets) => { for (const s of sockets) s.destroy(); };

describe('connection caps: one client cannot take every descriptor', () => {
  it('over MEDCORE_MAX_CONNECTIONS_PER_IP a client\'s new connections are closed at accept; others are served', async () => {
    // 400 descriptors in all (soft = hard, so the start-up raise changes nothing): 450 idle
    // sockets from one address would exhaust them without the cap.
    const server = await startServer({ prefix: ['prlimit', '--nofile=400:400'], env: { MEDCORE_MAX_CONNECTIONS_PER_IP: '20' } });
    let f;
    try {
      f = await flood(server, 450, '127.0.0.2', 430);
      const health = await getFrom(server, '/healthz', '127.0.0.3');
      assert.ok(health, '/healthz from another address answered within 3 s while one client holds 450 sockets');
      assert.equal(health.status, 200);
      assert.ok(await withTimeout(f.closed, 10_000), `the server closed the 430 over the cap (closed ${f.closedCount()})`);
      // The 20 admitted connections are alive and served.
      const open = f.sockets.filter((s) => !s.closedByServer);
      assert.equal(open.length, 20);
      const served = await Promise.all(open.map((s) => new Promise((resolve) => {
        let data = '';
        s.on('data', (d) => { data += d; if (data.includes('\r\n\r\n')) resolve(data.slice(0, 12)); });
        s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      })));
      assert.deepEqual(new Set(served), new Set(['HTTP/1.1 200']));
      const metrics = await getFrom(server, '/metrics', '127.0.0.1');
      const refused = Number(/^medcore_connections_refused_total (\d+)$/m.exec(metrics.text)?.[1]);
      assert.ok(refused >= 430, `medcore_connections_refused_total ${refused}`);
      // A place given back is a place the client gets again (the server notices the close
      // asynchronously, so the first tries may still be refused).
      open[0].destroy();
      let again = null;
      for (const deadline = Date.now() + 5000; Date.now() < deadline && again?.status !== 200;) {
        again = await getFrom(server, '/healthz', '127.0.0.2', 1000);
      }
      assert.equal(again?.status, 200, 'a new connection once one of the 20 closed');
    } finally {
      if (f) closeAll(f.sockets);
      await server.stop();
    }
  });

  it('beyond the descriptor budget new connections are closed at accept, and the server keeps its own descriptors', async () => {
    // No per-client cap here: the budget left after the process's own needs is the limit.
    const metricsPort = await freePort();
    const server = await startServer({
      prefix: ['prlimit', '--nofile=400:400'],
      env: {
        MEDCORE_MAX_CONNECTIONS_PER_IP: '0', MEDCORE_MAIL_POLL_MS: '50', MEDCORE_LOG_LEVEL: 'info',
        MEDCORE_METRICS_LISTEN: `127.0.0.1:${metricsPort}`,
      },
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let f;
    try {
      // The budget is in the start-up line (checked below, after what matters most).
      const listening = server.output.stdout.split('\n').map((l) => { try { return JSON.parse(l); } catch { return null; } })
        .find((l) => l?.event === 'listening');
      const budget = Number(listening?.max_connections);
      // A connection opened before the flood, kept alive.
      assert.equal((await getFrom(server, '/healthz', '127.0.0.1', 3000, agent))?.status, 200);
      // At least 450 - budget are closed at accept (the kept-alive connection holds one place).
      f = await flood(server, 450, '127.0.0.2', 450 - (budget || 400));
      // Work that needs a new descriptor (the welcome mail's file) still gets one.
      const body = patientBody();
      const signup = await withTimeout(new Promise((resolve, reject) => {
        const payload = JSON.stringify(body);
        const req = http.request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/api/v1/auth/signup', agent, localAddress: '127.0.0.1',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        });
        req.on('error', reject);
        req.end(payload);
      }), 10_000);
      assert.equal(signup, 201, 'sign-up on the connection opened before the flood');
      const mailDir = path.join(server.varDir, 'mail');
      let mailed = false;
      for (const deadline = Date.now() + 10_000; !mailed && Date.now() < deadline;) {
        mailed = fs.existsSync(mailDir) && fs.readdirSync(mailDir).some((n) => n.endsWith('.eml') &&
          fs.readFileSync(path.join(mailDir, n), 'utf8').includes(body.email));
        if (!mailed) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(mailed, `the welcome mail was written while the flood held its sockets\n${server.output.stdout.slice(-1500)}`);
      assert.ok(budget > 0 && budget < 400, `max_connections ${budget} under the 400 descriptors`);
      assert.ok(await withTimeout(f.closed, 10_000), `connections beyond the budget of ${budget} closed at accept (closed ${f.closedCount()})`);
      // The orchestrator's probe on the management listener is outside the budget.
      const probe = await withTimeout(fetch(`http://127.0.0.1:${metricsPort}/readyz`).then((r) => r.status), 3000);
      assert.equal(probe, 200, 'the management listener still answers /readyz');
    } finally {
      agent.destroy();
      if (f) closeAll(f.sockets);
      await server.stop();
    }
  });

  it('an open WebSocket holds its place under the cap for as long as it lives', async () => {
    const server = await startServer({ env: { MEDCORE_MAX_CONNECTIONS_PER_IP: '2' } });
    const sockets = [];
    try {
      for (let i = 0; i < 2; i++) {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket`, { localAddress: '127.0.0.2' });
        sockets.push(ws);
        const [open] = await once(ws, 'message');
        assert.match(String(open), /^0\{"sid":/, 'Engine.IO open packet');
      }
      const third = await getFrom(server, '/healthz', '127.0.0.2');
      assert.equal(third?.status, 0, `a third connection from the same address is closed at accept (${JSON.stringify(third)})`);
      assert.equal((await getFrom(server, '/healthz', '127.0.0.3'))?.status, 200, 'another address is served');
      const closed = once(sockets[0], 'close');
      sockets[0].close();
      await closed;
      let again = null;
      for (const deadline = Date.now() + 5000; Date.now() < deadline && again?.status !== 200;) {
        again = await getFrom(server, '/healthz', '127.0.0.2', 1000);
      }
      assert.equal(again?.status, 200, 'served again once a WebSocket closed');
    } finally {
      for (const ws of sockets) ws.terminate();
      await server.stop();
    }
  });

  it('the soft descriptor limit is raised to the hard limit at start', async () => {
    const server = await startServer({ prefix: ['prlimit', '--nofile=512:4096'] });
    try {
      const limits = fs.readFileSync(`/proc/${server.child.pid}/limits`, 'utf8');
      const [, soft, hard] = /^Max open files\s+(\d+)\s+(\d+)/m.exec(limits);
      assert.equal(hard, '4096');
      assert.equal(soft, '4096', `soft limit ${soft}`);
    } finally {
      await server.stop();
    }
  });
});

describe('/metrics: on the management listener (MEDCORE_METRICS_LISTEN), on the API port only while that is loopback', () => {
  const at = (port, p) => fetch(`http://127.0.0.1:${port}${p}`, { signal: AbortSignal.timeout(5000) })
    .then(async (r) => ({ status: r.status, type: r.headers.get('content-type'), text: await r.text() }));

  it('with MEDCORE_METRICS_LISTEN: /metrics and the probes there, /metrics gone from the API port, nothing else there', async () => {
    const metricsPort = await freePort();
    const server = await startServer({ env: { MEDCORE_METRICS_LISTEN: `127.0.0.1:${metricsPort}` } });
    try {
      const onApi = await at(server.port, '/metrics');
      assert.equal(onApi.status, 404, `API port: ${onApi.text.slice(0, 200)}`);
      assert.match(onApi.type, /^application\/problem\+json/);
      const scraped = await at(metricsPort, '/metrics');
      assert.equal(scraped.status, 200);
      assert.match(scraped.text, /^medcore_http_requests_total\{/m);
      assert.equal((await at(metricsPort, '/healthz')).status, 200);
      assert.equal((await at(metricsPort, '/readyz')).status, 200);
      assert.equal((await at(server.port, '/healthz')).status, 200, 'the probes stay on the API port for load balancers');
      for (const p of ['/api/v1/doctors', '/', '/index.html', '/api/v1/openapi.json', '/socket.io/?EIO=4&transport=polling']) {
        const r = await at(metricsPort, p);
        assert.equal(r.status, 404, `${p} on the management listener: ${r.status}`);
      }
    } finally {
      await server.stop();
    }
  });

  it('without it, an API listener on a non-loopback address does not serve /metrics', async () => {
    const port = await freePort();
    const server = await startServer({ port, env: { MEDCORE_LISTEN: `0.0.0.0:${port}` } });
    try {
      const r = await at(port, '/metrics');
      assert.equal(r.status, 404, `/metrics on 0.0.0.0: ${r.status} ${r.text.slice(0, 100)}`);
      assert.equal((await at(port, '/healthz')).status, 200);
      assert.match(server.output.stdout, /"event":"metrics_not_served"/);
    } finally {
      await server.stop();
    }
  });
});
