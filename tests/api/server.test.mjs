// HTTP server basics: health, metrics, request ids, security headers, errors, static files,
// keep-alive, limits and graceful shutdown.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import crypto from 'node:crypto';
import {
  startServer, api, assertProblem, rawGet, rawRequest, healthy, signupPatient, PASSWORD,
  SPA_INDEX, SPA_JS, SPA_CSS, SPA_ICO, SECRET_MARKER, sleep, withTimeout,
} from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { if (server) await server.stop(); });

// Sum of the request counters labelled method="other".
function otherCount(metricsText) {
  return metricsText.split('\n').filter((l) => l.startsWith('medcore_http_requests_total{') && l.includes('method="other"'))
    .reduce((n, l) => n + Number(l.trim().split(/\s+/).pop()), 0);
}

function checkSecurityHeaders(h, what) {
  const get = (n) => (typeof h.get === 'function' ? h.get(n) : h[n]);
  const csp = get('content-security-policy');
  assert.ok(csp, `${what}: Content-Security-Policy present`);
  assert.match(csp, /frame-ancestors\s+'none'/, `${what}: frame-ancestors 'none' in ${csp}`);
  const directives = Object.fromEntries(csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
    const [name, ...vals] = d.split(/\s+/);
    return [name.toLowerCase(), vals];
  }));
  const scriptSrc = directives['script-src'] || directives['default-src'];
  assert.ok(scriptSrc, `${what}: script-src or default-src in ${csp}`);
  assert.ok(!scriptSrc.includes("'unsafe-inline'"), `${what}: no 'unsafe-inline' in script-src: ${csp}`);
  assert.equal(get('x-content-type-options'), 'nosniff', `${what}: nosniff`);
  assert.ok(get('referrer-policy'), `${what}: Referrer-Policy`);
}

describe('health and metrics', () => {
  it('GET /healthz is 200 {"status":"ok"}', async () => {
    const r = await api(server, 'GET', '/healthz');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.deepEqual(r.json, { status: 'ok' });
  });

  it('GET /readyz is 200 {"status":"ready"}', async () => {
    const r = await api(server, 'GET', '/readyz');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { status: 'ready' });
  });

  it('GET /metrics is Prometheus text with request counters per route and a latency histogram', async () => {
    for (let i = 0; i < 3; i++) await api(server, 'GET', '/api/v1/doctors');
    await api(server, 'GET', '/healthz');
    const r = await api(server, 'GET', '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/plain/);
    assert.match(r.text, /^# TYPE \S+ counter$/m, 'a counter');
    assert.match(r.text, /^# TYPE \S+ histogram$/m, 'a histogram');
    // a request counter labelled with the route template
    const counterLines = r.text.split('\n').filter((l) => !l.startsWith('#') && /route="[^"]*doctors[^"]*"/.test(l));
    assert.ok(counterLines.length > 0, 'a series labelled route="/api/v1/doctors"');
    assert.ok(counterLines.some((l) => Number(l.trim().split(/\s+/).pop()) >= 3), `a doctors counter >= 3:\n${counterLines.join('\n')}`);
    assert.match(r.text, /_bucket\{[^}]*le="\+Inf"[^}]*\}\s+\d+/, 'histogram buckets with le="+Inf"');
    assert.match(r.text, /_sum(\{[^}]*\})?\s+[\d.eE+-]+/m);
    assert.match(r.text, /_count(\{[^}]*\})?\s+\d+/m);
  });

  it('GET /metrics counts database transactions by name and outcome, with a latency histogram per name', async () => {
    const value = (text, series) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ').pop() ?? 0);
    const committed = 'medcore_db_transactions_total{name="accounts.signup",outcome="committed"}';
    const timed = 'medcore_db_transaction_duration_seconds_count{name="accounts.signup"}';
    const before = (await api(server, 'GET', '/metrics')).text;
    await signupPatient(server);  // asserts its 201
    const after = (await api(server, 'GET', '/metrics')).text;
    assert.equal(value(after, committed) - value(before, committed), 1, committed);
    assert.equal(value(after, timed) - value(before, timed), 1, timed);
    assert.match(after, /^medcore_db_transaction_duration_seconds_bucket\{name="accounts\.signup",le="\+Inf"\} \d+$/m);
    assert.match(after, /^medcore_db_transactions_total\{name="accounts\.signup",outcome="timeout"\} 0$/m);
    assert.match(after, /^# TYPE medcore_coroutine_failures_total counter$/m);
  });

  it('a method the client makes up adds no series: every unknown method counts as method="other"', async () => {
    const before = await api(server, 'GET', '/metrics');
    const otherBefore = otherCount(before.text);
    // Any token is a valid method on the wire; 100 random 4 KB ones on a known route (405).
    const methods = Array.from({ length: 100 }, () => crypto.randomBytes(2048).toString('hex').toUpperCase());
    for (let i = 0; i < methods.length; i += 20) {
      const answers = await Promise.all(methods.slice(i, i + 20).map((m) =>
        rawRequest(server, `${m} /api/v1/doctors HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)));
      for (const r of answers) assert.equal(r.status, 405, r.head);
    }
    const after = await api(server, 'GET', '/metrics');
    const labels = new Set([...after.text.matchAll(/method="([^"]*)"/g)].map((m) => m[1]));
    for (const label of labels) assert.ok(/^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|CONNECT|TRACE|other)$/.test(label), `method label ${label.slice(0, 40)}… (${label.length} characters)`);
    assert.ok(after.text.length - before.text.length < 2048, `/metrics grew from ${before.text.length} to ${after.text.length} bytes`);
    assert.equal(otherCount(after.text) - otherBefore, methods.length, 'each one counted under method="other"');
  });
});

describe('request ids', () => {
  it('echoes a sane X-Request-Id', async () => {
    const r = await api(server, 'GET', '/healthz', { headers: { 'x-request-id': 'abc-123' } });
    assert.equal(r.headers.get('x-request-id'), 'abc-123');
  });

  it('generates one when absent, and puts it in problem documents', async () => {
    const r = await api(server, 'GET', '/api/v1/definitely-not-a-route');
    const id = r.headers.get('x-request-id');
    assert.ok(id && id.length >= 8 && id.length <= 128, `request id ${id}`);
    assert.equal(r.json.request_id, id);
  });

  it('replaces an overlong X-Request-Id', async () => {
    const long = 'a'.repeat(300);
    const r = await api(server, 'GET', '/healthz', { headers: { 'x-request-id': long } });
    const id = r.headers.get('x-request-id');
    assert.ok(id, 'has a request id');
    assert.notEqual(id, long);
    assert.ok(id.length <= 128);
  });

  it('replaces an X-Request-Id with non-printable characters', async () => {
    const r = await rawGet(server, '/healthz', 'X-Request-Id: bad\x01id\x7f\r\n');
    // Control characters are not allowed in a field value (RFC 9110 5.5): the request is refused
    // (400), and the answer carries a request id of the server's own, never the one sent.
    assert.equal(r.status, 400);
    assert.match(r.headers['x-request-id'] || '', /^[A-Za-z0-9_-]{8,128}$/, 'a fresh request id');
    assert.ok(await healthy(server));
  });
});

describe('security headers', () => {
  it('on API answers', async () => {
    checkSecurityHeaders((await api(server, 'GET', '/healthz')).headers, '/healthz');
    checkSecurityHeaders((await api(server, 'GET', '/api/v1/doctors')).headers, '/api/v1/doctors');
    checkSecurityHeaders((await api(server, 'GET', '/api/v1/nope')).headers, '404 problem');
  });
  it('on static answers', async () => {
    checkSecurityHeaders((await api(server, 'GET', '/')).headers, '/');
    checkSecurityHeaders((await api(server, 'GET', '/assets/app-3f9a1c.js')).headers, 'js asset');
  });
});

describe('routing errors', () => {
  it('unknown API path → 404 problem+json', async () => {
    const r = await api(server, 'GET', '/api/v1/nope');
    assertProblem(r, 404, 'not-found');
    assert.equal(r.json.instance, '/api/v1/nope');
  });
  it('unknown API path with POST → 404, not the SPA', async () => {
    const r = await api(server, 'POST', '/api/v1/nope/deeper', { body: {} });
    assertProblem(r, 404, 'not-found');
  });
  it('wrong method on a known path → 405 with Allow', async () => {
    const r = await api(server, 'DELETE', '/api/v1/auth/login');
    assertProblem(r, 405, 'method-not-allowed');
    const allow = r.headers.get('allow') || '';
    assert.match(allow, /\bPOST\b/, `Allow: ${allow}`);
    const r2 = await api(server, 'PUT', '/api/v1/me', { body: {} });
    assertProblem(r2, 405, 'method-not-allowed');
    assert.match(r2.headers.get('allow') || '', /\bGET\b/);
    assert.match(r2.headers.get('allow') || '', /\bPATCH\b/);
  });
  it('GET /api/v1/openapi.json is an OpenAPI 3.1 document', async () => {
    const r = await api(server, 'GET', '/api/v1/openapi.json');
    assert.equal(r.status, 200);
    assert.match(String(r.json?.openapi), /^3\.1/);
    assert.ok(r.json.paths && Object.keys(r.json.paths).some((p) => p.includes('/auth/login')), 'documents /auth/login');
  });
});

describe('static files', () => {
  it('/ serves index.html', async () => {
    const r = await api(server, 'GET', '/');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/html/);
    assert.equal(r.text, SPA_INDEX);
  });
  it('correct MIME types', async () => {
    const js = await api(server, 'GET', '/assets/app-3f9a1c.js');
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type'), /^(text|application)\/javascript/);
    assert.equal(js.text, SPA_JS);
    const css = await api(server, 'GET', '/assets/style.css');
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type'), /^text\/css/);
    assert.equal(css.text, SPA_CSS);
    const ico = await api(server, 'GET', '/favicon.ico');
    assert.equal(ico.status, 200);
    assert.match(ico.headers.get('content-type'), /^image\/(x-icon|vnd\.microsoft\.icon)/);
    assert.deepEqual(ico.body, SPA_ICO);
  });
  it('ETag + If-None-Match → 304', async () => {
    const r = await api(server, 'GET', '/assets/style.css');
    const etag = r.headers.get('etag');
    assert.ok(etag, 'ETag present');
    const r2 = await api(server, 'GET', '/assets/style.css', { headers: { 'if-none-match': etag } });
    assert.equal(r2.status, 304);
    assert.equal(r2.text, '');
    const r3 = await api(server, 'GET', '/assets/style.css', { headers: { 'if-none-match': '"something-else"' } });
    assert.equal(r3.status, 200);
  });
  it('hashed assets are cached long and immutable; index.html is not', async () => {
    const r = await api(server, 'GET', '/assets/app-3f9a1c.js');
    const cc = r.headers.get('cache-control') || '';
    assert.match(cc, /immutable/, cc);
    const maxAge = Number(/max-age=(\d+)/.exec(cc)?.[1] || 0);
    assert.ok(maxAge >= 30 * 24 * 3600, `max-age ${maxAge}`);
    const vite = await api(server, 'GET', '/assets/index-DQ-crpNm.js');
    assert.match(vite.headers.get('cache-control') || '', /max-age=31536000, immutable/);
    for (const p of ['/', '/assets/style.css', '/service-worker.js']) {
      const r2 = await api(server, 'GET', p);
      assert.equal(r2.status, 200, p);
      assert.doesNotMatch(r2.headers.get('cache-control') || '', /immutable/, p);
    }
  });
  it('SPA fallback: unknown non-API path serves index.html', async () => {
    const r = await api(server, 'GET', '/some/page');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/html/);
    assert.equal(r.text, SPA_INDEX);
  });
  it('no SPA fallback under /api/', async () => {
    const r = await api(server, 'GET', '/api/v1/nope');
    assertProblem(r, 404, 'not-found');
    assert.ok(!r.text.includes('medcore-spa-index'));
  });
  for (const target of [
    '/../etc/passwd',
    '/../../../../../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/assets/..%2f..%2fmedcore.db',
    '/assets/..%2f..%2fsecret.txt',
    '/assets/../../secret.txt',
    '/..%5c..%5csecret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt',
    '/%252e%252e/%252e%252e/secret.txt',
    '/assets/app-3f9a1c.js%00.html',
  ]) {
    it(`no directory traversal: ${target}`, async () => {
      const r = await rawGet(server, target);
      assert.ok(r.status > 0 && r.status < 500, `status ${r.status}`);
      assert.ok(!r.bodyText.includes('root:x:0:0'), 'no /etc/passwd');
      assert.ok(!r.bodyText.includes(SECRET_MARKER), 'no file outside the web root');
      assert.ok(!r.body.includes(Buffer.from('SQLite format 3')), 'no database file');
    });
  }
});

describe('connections and limits', () => {
  it('keep-alive: several requests on one connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set();
    try {
      for (let i = 0; i < 4; i++) {
        const { status, reused } = await new Promise((resolve, reject) => {
          const req = http.get({ host: '127.0.0.1', port: server.port, path: '/healthz', agent }, (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode, reused: req.reusedSocket }));
          });
          req.on('socket', (s) => sockets.add(s));
          req.on('error', reject);
        });
        assert.equal(status, 200);
        if (i > 0) assert.equal(reused, true, `request ${i} reused the socket`);
      }
      assert.equal(sockets.size, 1);
    } finally {
      agent.destroy();
    }
  });

  it('header block over 16 KiB → 431 (or 400); server still healthy', async () => {
    const big = 'x'.repeat(17 * 1024);
    const r = await rawRequest(server, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${big}\r\nConnection: close\r\n\r\n`);
    assert.ok([431, 400].includes(r.status), `status ${r.status}`);
    assert.ok(await healthy(server));
  });

  it('many headers adding up over 16 KiB → 431 (or 400)', async () => {
    let hs = '';
    for (let i = 0; i < 40; i++) hs += `X-H${i}: ${'y'.repeat(500)}\r\n`;
    const r = await rawRequest(server, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n${hs}Connection: close\r\n\r\n`);
    assert.ok([431, 400].includes(r.status), `status ${r.status}`);
    assert.ok(await healthy(server));
  });

  it('body over 1 MiB → 413 problem+json', async () => {
    // The whole body is sent: the server answers 413 and only then shuts its side down (FIN after
    // the answer), so a client always reads the 413 — no retry with a different request.
    const body = JSON.stringify({ email: 'a@b.org', password: 'x'.repeat(1024 * 1024 + 10) });
    assertProblem(await api(server, 'POST', '/api/v1/auth/login', { raw: body }), 413, 'payload-too-large');
    const sent = await rawRequest(server, `POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    assert.equal(sent.status, 413, `whole body on a raw socket: ${sent.status} timedOut=${sent.timedOut}`);
    assert.match(sent.headers['content-type'] || '', /^application\/problem\+json/);
    // Announced length alone is enough to refuse.
    const rr = await rawRequest(server, `POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${2 * 1024 * 1024}\r\nConnection: close\r\n\r\n{`, { timeoutMs: 5000 });
    assert.equal(rr.status, 413, `announced 2 MiB: ${rr.status} timedOut=${rr.timedOut}`);
    assert.ok(await healthy(server));
  });

  it('a client still sending after the 413 reads it and then sees a clean close, not a reset', async () => {
    // Clients that write the whole body before reading (fetch does) must get the 413: the server
    // stops sending and drops the rest instead of closing on unread bytes, which would reset the
    // connection and could destroy the answer before the client read it.
    const length = 2 * 1024 * 1024;
    const sock = net.connect(server.port, '127.0.0.1');
    await once(sock, 'connect');
    let answer = '';
    let error = null;
    sock.on('data', (d) => { answer += d.toString('latin1'); });
    sock.on('error', (e) => { error = e; });
    const closed = new Promise((resolve) => sock.on('close', resolve));
    const firstBytes = once(sock, 'data');
    sock.write(`POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`);
    await firstBytes;
    assert.match(answer, /^HTTP\/1\.1 413 /, 'the 413 comes on the announced length');
    const chunk = Buffer.alloc(64 * 1024, 'a');
    // One chunk at a time, each handed to the kernel before the next: a reset cannot slip past.
    for (let sent = 0; sent < length && !error && !sock.destroyed; sent += chunk.length) {
      await new Promise((resolve) => sock.write(chunk, resolve));
    }
    sock.end();
    await closed;
    assert.equal(error?.code ?? null, null, `the rest of the body was accepted and dropped, the connection closed cleanly (${error?.message})`);
    assert.match(answer, /"type":"urn:medcore:problem:payload-too-large"/);
  });

  it('a chunked body over 1 MiB → 413', async () => {
    const chunk = 'a'.repeat(64 * 1024);
    let data = `POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
    data += `${(1).toString(16)}\r\n"\r\n`;
    for (let i = 0; i < 18; i++) data += `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
    data += '0\r\n\r\n';
    const r = await rawRequest(server, data);
    assert.equal(r.status, 413);
    assert.ok(await healthy(server));
  });
});

describe('HTTP/1.1 framing (RFC 9112): anything a proxy could read differently is refused and the connection closed', () => {
  // No `Connection: close` in these requests: the server closing the connection is part of what
  // is tested. A second request follows each refused one on the same connection (what a
  // smuggler would hide in the body); it must never be answered.
  const SMUGGLED = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
  async function refused(data, status, slug, what) {
    const r = await rawRequest(server, data + SMUGGLED, { timeoutMs: 5000 });
    assert.equal(r.status, status, `${what}: ${r.head}`);
    assert.equal(r.raw.match(/HTTP\/1\.1 \d{3} /g).length, 1, `${what}: one answer only, the smuggled request is not served`);
    assert.ok(!r.timedOut, `${what}: the connection is closed after the answer`);
    assert.equal(r.headers.connection, 'close', what);
    assert.match(r.headers['content-type'] || '', /^application\/problem\+json/, what);
    assert.equal(JSON.parse(r.bodyText).type, `urn:medcore:problem:${slug}`, what);
  }
  const login = (headers, body) => `POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${headers}\r\n${body}`;
  const BODY = '{"email":"a@b.org","password":"0123456789"}';

  it('Transfer-Encoding with Content-Length → 400, whatever the order and coding', async () => {
    await refused(login(`Transfer-Encoding: xchunked\r\nContent-Length: ${BODY.length}\r\n`, BODY), 400, 'bad-request', 'xchunked + CL');
    await refused(login(`Content-Length: ${BODY.length}\r\nTransfer-Encoding: xchunked\r\n`, BODY), 400, 'bad-request', 'CL + xchunked');
    await refused(login(`Transfer-Encoding: chunked\r\nContent-Length: 5\r\n`, '0\r\n\r\n'), 400, 'bad-request', 'chunked + CL');
    await refused(login(`Content-Length: 5\r\nTransfer-Encoding: chunked\r\n`, '0\r\n\r\n'), 400, 'bad-request', 'CL + chunked');
  });

  it('a transfer coding list that does not end with one chunked → 400; another coding → 501', async () => {
    await refused(login('Transfer-Encoding: xchunked\r\n', BODY), 400, 'bad-request', 'xchunked alone');
    await refused(login('Transfer-Encoding: chunked, identity\r\n', '0\r\n\r\n'), 400, 'bad-request', 'chunked not last');
    await refused(login('Transfer-Encoding: chunked, chunked\r\n', '0\r\n\r\n'), 400, 'bad-request', 'chunked twice');
    await refused(login('Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n'), 501, 'unsupported-transfer-coding', 'gzip, chunked');
    await refused(`POST /api/v1/auth/login HTTP/1.0\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400, 'bad-request', 'HTTP/1.0 with Transfer-Encoding');
  });

  it('folded header lines (obs-fold) → 400', async () => {
    await refused('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Folded: a\r\n b\r\n\r\n', 400, 'bad-request', 'space fold');
    await refused('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Folded: a\r\n\tb\r\n\r\n', 400, 'bad-request', 'tab fold');
    await refused('GET /healthz HTTP/1.1\r\n Host: 127.0.0.1\r\n\r\n', 400, 'bad-request', 'whitespace before the first field');
  });

  it('a head longer than one read (as browsers send) is read whole, folds in its later part refused', async () => {
    // The server reads 512 bytes first: these heads arrive in several reads.
    const pad = `X-Pad: ${'p'.repeat(3000)}\r\n`;
    const ok = await rawRequest(server, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n${pad}X-Last: 1\r\nConnection: close\r\n\r\n`);
    assert.equal(ok.status, 200, ok.head);
    const first = await rawRequest(server, `GET /healthz?${'q'.repeat(600)} HTTP/1.1\r\n Host: 127.0.0.1\r\n${pad}\r\n`);
    assert.equal(first.status, 400, `whitespace before the first field after a long request line: ${first.head}`);
    await refused(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n${pad}X-Folded: a\r\n b\r\n\r\n`, 400, 'bad-request', 'fold after 3 KB');
  });

  it('no Host, two Hosts or a Host that is not host[:port] → 400 (HTTP/1.0 may omit it)', async () => {
    await refused('GET /healthz HTTP/1.1\r\n\r\n', 400, 'bad-request', 'no Host');
    await refused('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n', 400, 'bad-request', 'two Hosts');
    await refused('GET /healthz HTTP/1.1\r\nHost: evil.example 127.0.0.1\r\n\r\n', 400, 'bad-request', 'Host with a space');
    await refused('GET /healthz HTTP/1.1\r\nHost: user@127.0.0.1\r\n\r\n', 400, 'bad-request', 'Host with userinfo');
    const old = await rawRequest(server, 'GET /healthz HTTP/1.0\r\n\r\n');
    assert.equal(old.status, 200, old.head);
    for (const host of ['127.0.0.1', `127.0.0.1:${server.port}`, '[::1]:8080', 'app.test', 'localhost:8080']) {
      const ok = await rawRequest(server, `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      assert.equal(ok.status, 200, `Host: ${host}: ${ok.head}`);
    }
  });

  it('the same rules on the raw /socket.io/ mount', async () => {
    const poll = '/socket.io/?EIO=4&transport=polling';
    await refused(`GET ${poll} HTTP/1.1\r\n\r\n`, 400, 'bad-request', 'socket.io without Host');
    await refused(`GET ${poll} HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n`, 400, 'bad-request', 'socket.io with two Hosts');
    await refused(`GET ${poll} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Folded: a\r\n b\r\n\r\n`, 400, 'bad-request', 'socket.io obs-fold');
    await refused(`POST ${poll}&sid=x HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: xchunked\r\nContent-Length: 4\r\n\r\n40{}`, 400, 'bad-request', 'socket.io TE + CL');
    // A well-formed handshake still opens a session.
    const ok = await rawRequest(server, `GET ${poll} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    assert.equal(ok.status, 200, ok.head);
    assert.match(ok.bodyText, /^0\{"sid":/);
  });

  it('a well-formed chunked request is still read', async () => {
    const chunked = `${BODY.length.toString(16)}\r\n${BODY}\r\n0\r\n\r\n`;
    const r = await rawRequest(server, login('Transfer-Encoding: chunked\r\nConnection: close\r\n', chunked));
    assert.equal(r.status, 401, r.head);
    assert.equal(JSON.parse(r.bodyText).type, 'urn:medcore:problem:invalid-credentials');
    assert.ok(await healthy(server));
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM lets an in-flight request finish, then exits 0', async () => {
    // One hashing worker: of three logins one runs and two wait in its queue, which /metrics shows.
    const s = await startServer({ env: { MEDCORE_HASH_WORKERS: '1' } });
    try {
      const p = await signupPatient(s);
      // Several argon2 logins in flight, then SIGTERM while they run — once the server has them all.
      const inflight = [0, 1, 2].map(() => api(s, 'POST', '/api/v1/auth/login', { body: { email: p.email, password: PASSWORD } }));
      const queued = async () => Number(/^medcore_auth_queue_depth (\d+)/m.exec((await api(s, 'GET', '/metrics')).text)?.[1]);
      const deadline = Date.now() + 10_000;
      while ((await queued()) < 2) assert.ok(Date.now() < deadline, 'the three logins reached the hashing pool');
      s.child.kill('SIGTERM');
      const results = await Promise.all(inflight);
      for (const r of results) assert.equal(r.status, 200, `in-flight login finished: ${r.status} ${r.text}`);
      const exit = await withTimeout(s.exited, 15_000);
      assert.ok(exit, 'process exited within 15 s');
      assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}\n${s.output.stderr.slice(-2000)}`);
      // After shutdown nothing listens.
      await assert.rejects(fetch(s.url + '/healthz', { signal: AbortSignal.timeout(2000) }));
    } finally {
      await s.stop();
    }
  });

  it('the main test server also exits 0 on SIGTERM', async () => {
    const r = await server.stop();
    assert.equal(r.code, 0, `exit ${JSON.stringify(r)}\n${server.output.stderr.slice(-2000)}`);
  });
});

