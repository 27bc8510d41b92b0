// The official JavaScript client (npm socket.io-client v4) against `medcore dev socketio-echo`:
// polling only, WebSocket only and the upgrade; events, acks, binary, namespaces, auth, rooms,
// and reconnection after the server goes away.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { PG_URL } from './harness.mjs';
import { startEcho } from './support/socketio.mjs';

const skip = PG_URL ? 'realtime client suite runs in the SQLite pass only' : false;

function once(emitter, event, ms = 3000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no "${event}" within ${ms} ms`)), ms);
    emitter.once(event, (...args) => { clearTimeout(t); resolve(args); });
  });
}

describe('socket.io-client against medcore', { skip }, () => {
  let echo;
  const clients = [];
  const connect = (nsp, opts = {}) => {
    const socket = io(echo.url + nsp, { forceNew: true, reconnection: false, ...opts });
    clients.push(socket);
    return socket;
  };
  before(async () => { echo = await startEcho(); });
  after(async () => {
    for (const c of clients) c.disconnect();
    await echo.stop();
  });

  for (const [name, opts] of [
    ['polling only', { transports: ['polling'] }],
    ['WebSocket only', { transports: ['websocket'] }],
    ['polling then upgrade', { transports: ['polling', 'websocket'] }],
  ]) {
    describe(name, () => {
      it('connects, receives its auth and echoes events, acks and binary', async () => {
        const socket = connect('/', { ...opts, auth: { token: 'abc' } });
        const [auth] = await once(socket, 'auth');
        assert.deepEqual(auth, { token: 'abc' });
        assert.ok(socket.connected);
        assert.equal(typeof socket.id, 'string');

        socket.emit('message', 1, '2', { 3: [true] });
        assert.deepEqual(await once(socket, 'message-back'), [1, '2', { 3: [true] }]);

        const answer = await socket.timeout(2000).emitWithAck('message-with-ack', 'x', { y: null });
        assert.deepEqual(answer, 'x');

        const bytes = Buffer.from([0, 1, 2, 250, 255]);
        socket.emit('message', 'file', bytes, { nested: Buffer.from('héllo') });
        const [label, back, nested] = await once(socket, 'message-back');
        assert.equal(label, 'file');
        assert.deepEqual(Buffer.from(back), bytes);
        assert.equal(Buffer.from(nested.nested).toString(), 'héllo');

        const binaryAck = await socket.timeout(2000).emitWithAck('message-with-ack', Buffer.from([7, 8, 9]));
        assert.deepEqual(Buffer.from(binaryAck), Buffer.from([7, 8, 9]));

        // Many in a row arrive complete and in order (batched on polling).
        const received = [];
        const all = new Promise((resolve) => socket.on('message-back', (n) => {
          received.push(n);
          if (received.length === 50) resolve();
        }));
        for (let i = 0; i < 50; i++) socket.emit('message', i);
        await all;
        assert.deepEqual(received, [...Array(50).keys()]);
        socket.off('message-back');

        if (name === 'polling then upgrade') {
          if (socket.io.engine.transport.name !== 'websocket') await once(socket.io.engine, 'upgrade');
          assert.equal(socket.io.engine.transport.name, 'websocket');
          socket.emit('message', 'after upgrade');
          assert.deepEqual(await once(socket, 'message-back'), ['after upgrade']);
        } else {
          // A few heartbeats (pingInterval 300 ms, answered by the client): still connected, same transport.
          for (let i = 0; i < 3; i++) await once(socket.io.engine, 'ping');
          assert.ok(socket.connected);
          assert.equal(socket.io.engine.transport.name, opts.transports[0]);
        }
        socket.disconnect();
      });
    });
  }

  it('serves the /custom namespace over the same connection as /', async () => {
    const main = connect('/', { transports: ['polling'], forceNew: true });
    await once(main, 'auth');
    const custom = io(echo.url + '/custom', { transports: ['polling'], reconnection: false, auth: { room: 7 } });
    clients.push(custom);
    const [auth] = await once(custom, 'auth');
    assert.deepEqual(auth, { room: 7 });
    custom.emit('message', 'to custom');
    assert.deepEqual(await once(custom, 'message-back'), ['to custom']);
    assert.deepEqual(await custom.timeout(2000).emitWithAck('message-with-ack', 42), 42);
    custom.disconnect();
    main.disconnect();
  });

  it('refuses a connection its auth hook rejects, with the hook\'s message', async () => {
    for (const auth of [undefined, { token: 'wrong' }, { token: 7 }]) {
      const socket = connect('/pool', auth ? { auth } : {});
      const [err] = await once(socket, 'connect_error');
      assert.equal(err.message, 'Not authorized');
      assert.equal(socket.connected, false);
    }
  });

  it('runs blocking handlers on a worker pool, in order per socket, without stalling I/O', async () => {
    const worker = connect('/pool', { auth: { token: 'let-me-in' }, transports: ['websocket'] });
    const [user] = await once(worker, 'user');
    assert.equal(user, 'demo-user');
    const other = connect('/', { transports: ['websocket'] });
    await once(other, 'auth');
    const order = [];
    const acks = [1000, 10, 0].map((ms) => worker.timeout(5000).emitWithAck('work', ms).then((v) => { order.push(v); }));
    // While the first job sleeps on a worker, the I/O threads keep serving everybody: the echo
    // comes back before that job's ack.
    other.emit('message', 'not blocked');
    await once(other, 'message-back');
    order.push('echo');
    await Promise.all(acks);
    assert.deepEqual(order, ['echo', 1000, 10, 0], 'I/O goes on while a worker is busy; one socket\'s events run one at a time, in order');
  });

  it('reports a connect_error for an unknown namespace', async () => {
    const socket = connect('/nowhere');
    const [err] = await once(socket, 'connect_error');
    assert.equal(err.message, 'Invalid namespace');
  });

  it('relays within a room of two and not to the sender or other rooms', async () => {
    const [a, b, c] = ['websocket', 'polling', 'websocket'].map((t) => connect('/bench', { transports: [t] }));
    await Promise.all([a, b, c].map((s) => once(s, 'connect')));
    await a.timeout(2000).emitWithAck('join', 'room-1');
    await b.timeout(2000).emitWithAck('join', 'room-1');
    await c.timeout(2000).emitWithAck('join', 'room-2');
    // A socket's relays, and a promise for the first `count` of them.
    const collect = (socket, name, count) => {
      const got = [];
      const done = new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`${name} got ${JSON.stringify(got)}, expected ${count}`)), 5000);
        socket.on('relay', (...args) => {
          got.push(args);
          if (got.length === count) { clearTimeout(t); resolve(); }
        });
      });
      return { got, done };
    };
    const [atA, atB, atC] = [collect(a, 'a', 2), collect(b, 'b', 2), collect(c, 'c', 2)];
    a.emit('relay', 'room-1', 'hello b');
    b.emit('relay', 'room-1', 'hello a', Buffer.from([1, 2]));
    // Fences instead of a pause: a socket's events are handled in order, and what is queued for a
    // socket is written in order. Once c has a's and b's relays to its own room, anything they sent
    // to room-1 is queued wherever it went; c's relay to room-1 then ends what a and b receive.
    a.emit('relay', 'room-2', 'fence from a');
    b.emit('relay', 'room-2', 'fence from b');
    await atC.done;
    c.emit('relay', 'room-1', 'fence from c');
    await Promise.all([atA.done, atB.done]);
    assert.deepEqual(atB.got, [['room-1', 'hello b'], ['room-1', 'fence from c']]);
    assert.equal(atA.got[0][1], 'hello a');
    assert.deepEqual(Buffer.from(atA.got[0][2]), Buffer.from([1, 2]));
    assert.deepEqual(atA.got[1], ['room-1', 'fence from c']);
    assert.deepEqual(atC.got.map(([room, text]) => `${room} ${text}`).sort(), ['room-2 fence from a', 'room-2 fence from b']);
  });

  it('reconnects by itself after the server drops and comes back', async () => {
    const server = await startEcho();
    try {
      const socket = io(server.url, { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 200 });
      clients.push(socket);
      await once(socket, 'connect');
      const firstId = socket.id;
      const dropped = once(socket, 'disconnect');
      await server.stop('SIGKILL');
      const [reason] = await dropped;
      assert.equal(reason, 'transport close');
      const again = await startEcho({ port: server.port });
      try {
        await once(socket, 'connect', 5000);
        assert.notEqual(socket.id, firstId);
        socket.emit('message', 'back');
        assert.deepEqual(await once(socket, 'message-back'), ['back']);
        socket.disconnect();
      } finally {
        await again.stop();
      }
    } finally {
      await server.stop();
    }
  });

  it('a graceful shutdown ends WebSocket and polling clients at once', async () => {
    const server = await startEcho();
    const ws = io(server.url, { transports: ['websocket'], reconnection: false });
    const polling = io(server.url, { transports: ['polling'], reconnection: false });
    clients.push(ws, polling);
    await Promise.all([once(ws, 'connect'), once(polling, 'connect')]);
    const gone = Promise.all([once(ws, 'disconnect'), once(polling, 'disconnect')]);
    const started = performance.now();
    const result = await server.stop('SIGTERM');
    const stoppedMs = performance.now() - started;
    assert.equal(result.code, 0);
    // Not held until the 10 s grace by the open WebSocket and the parked poll.
    assert.ok(stoppedMs < 5000, `stopped in ${stoppedMs} ms (grace is 10 s)`);
    const [[wsReason], [pollReason]] = await gone;
    assert.equal(wsReason, 'transport close');
    // A held poll gets the close packet; a client between two polls finds the server gone.
    assert.ok(['transport close', 'transport error'].includes(pollReason), pollReason);
  });

  it('polling clients reconnect too', async () => {
    const server = await startEcho();
    const socket = io(server.url, { transports: ['polling'], reconnectionDelay: 100, reconnectionDelayMax: 200 });
    clients.push(socket);
    await once(socket, 'connect');
    const dropped = once(socket, 'disconnect');
    await server.stop('SIGKILL');
    await dropped;
    const again = await startEcho({ port: server.port });
    try {
      await once(socket, 'connect', 5000);
      assert.deepEqual(await socket.timeout(2000).emitWithAck('message-with-ack', 'ok'), 'ok');
      socket.disconnect();
    } finally {
      await again.stop();
    }
  });
});
