// Two instances of `medcore dev socketio-echo` on one PostgreSQL database fan broadcasts out to
// each other through LISTEN/NOTIFY: a room's message from a client on instance A reaches the
// other member on instance B (text and binary), not the sender, not other rooms. Runs in the
// PostgreSQL pass (MEDCORE_TEST_PG_URL).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { PG_URL, runCli } from './harness.mjs';
import { startEcho, sleep } from './support/socketio.mjs';

const skip = PG_URL ? false : 'needs PostgreSQL (MEDCORE_TEST_PG_URL)';

function once(emitter, event, ms = 3000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no "${event}" within ${ms} ms`)), ms);
    emitter.once(event, (...args) => { clearTimeout(t); resolve(args); });
  });
}

describe('two instances on PostgreSQL LISTEN/NOTIFY', { skip }, () => {
  let a;
  let b;
  const clients = [];
  const connect = (server, transport) => {
    const s = io(server.url + '/bench', { transports: [transport], forceNew: true, reconnection: false });
    clients.push(s);
    return s;
  };
  before(async () => {
    a = await startEcho({ adapter: PG_URL });
    b = await startEcho({ adapter: PG_URL });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await a.stop();
    await b.stop();
  });

  it('delivers a room broadcast from instance A to a member on instance B and back', async () => {
    const onA = connect(a, 'websocket');
    const onB = connect(b, 'polling');
    const elsewhere = connect(b, 'websocket');
    await Promise.all([onA, onB, elsewhere].map((s) => once(s, 'connect')));
    await onA.timeout(2000).emitWithAck('join', 'conversation:1');
    await onB.timeout(2000).emitWithAck('join', 'conversation:1');
    await elsewhere.timeout(2000).emitWithAck('join', 'conversation:2');
    const seen = { a: [], b: [], elsewhere: [] };
    onA.on('relay', (...x) => seen.a.push(x));
    onB.on('relay', (...x) => seen.b.push(x));
    elsewhere.on('relay', (...x) => seen.elsewhere.push(x));

    const gotB = once(onB, 'relay');
    onA.emit('relay', 'conversation:1', 'from A', { n: 1 });
    assert.deepEqual(await gotB, ['conversation:1', 'from A', { n: 1 }]);

    const gotA = once(onA, 'relay');
    onB.emit('relay', 'conversation:1', 'from B', Buffer.from([0, 255, 7]));
    const [, text, bytes] = await gotA;
    assert.equal(text, 'from B');
    assert.deepEqual(Buffer.from(bytes), Buffer.from([0, 255, 7]));

    // In order, none lost, across instances.
    const many = [];
    const all = new Promise((resolve) => onB.on('relay', (_room, n) => { many.push(n); if (many.length === 30) resolve(); }));
    for (let i = 0; i < 30; i++) onA.emit('relay', 'conversation:1', i);
    await all;
    assert.deepEqual(many, [...Array(30).keys()]);

    // Larger than one NOTIFY (8000 bytes): split and put together again, multi-byte text intact.
    const long = 'é€x'.repeat(10000);
    const gotLong = once(onB, 'relay');
    onA.emit('relay', 'conversation:1', long, Buffer.alloc(20000, 7));
    const [, longBack, bigBytes] = await gotLong;
    assert.equal(longBack, long);
    assert.deepEqual(Buffer.from(bigBytes), Buffer.alloc(20000, 7));

    await sleep(200);
    assert.equal(seen.a.filter(([, t]) => t === 'from A').length, 0, 'the sender does not get its own message');
    assert.deepEqual(seen.elsewhere, [], 'other rooms get nothing');
  });

  it('refuses to start when the adapter cannot reach PostgreSQL', async () => {
    const r = await runCli(process.env, ['dev', 'socketio-echo', '--port', '0', '--adapter',
      'postgresql://nobody@127.0.0.1:1/none?connect_timeout=2'], { timeoutMs: 20_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot LISTEN on PostgreSQL/);
  });
});
