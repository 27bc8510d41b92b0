// Engine.IO v4 / Socket.IO v5 on the wire, against `medcore dev socketio-echo`: raw HTTP
// long-polling and raw WebSocket peers, modelled on the protocols' public test suites
// (handshake, errors, heartbeat, close, upgrade, namespaces, events, acks, binary attachments).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PG_URL } from './harness.mjs';
import {
  PING_INTERVAL, PING_TIMEOUT, startEcho, eioUrl, openPolling, heldPoll, RawSocket, sioWebSocket, closedWithin,
} from './support/socketio.mjs';

const CONNECT_TIMEOUT = 1000;  // `medcore dev socketio-echo`

// No database is involved: run once, in the SQLite pass.
const skip = PG_URL ? 'realtime protocol runs in the SQLite pass only' : false;

describe('Engine.IO and Socket.IO on the wire', { skip }, () => {
  let echo;
  let URL;
  let WS;
  before(async () => {
    echo = await startEcho();
    URL = echo.url;
    WS = echo.wsUrl;
  });
  after(async () => {
    const r = await echo.stop();
    assert.equal(r.code, 0, 'the server stops cleanly on SIGTERM: ' + echo.output());
  });

  const poll = (sid, extra = '') => fetch(eioUrl(URL, `&sid=${sid}${extra}`));
  const push = (sid, body) => fetch(eioUrl(URL, `&sid=${sid}`), { method: 'POST', body });

  describe('handshake', () => {
    it('opens a long-polling session with the configured settings', async () => {
      const res = await fetch(eioUrl(URL));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      assert.match(res.headers.get('content-type'), /^text\/plain/);
      const text = await res.text();
      assert.equal(text[0], '0');
      const value = JSON.parse(text.substring(1));
      assert.deepEqual(Object.keys(value).sort(), ['maxPayload', 'pingInterval', 'pingTimeout', 'sid', 'upgrades']);
      assert.equal(typeof value.sid, 'string');
      assert.ok(value.sid.length >= 16);
      assert.deepEqual(value.upgrades, ['websocket']);
      assert.equal(value.pingInterval, PING_INTERVAL);
      assert.equal(value.pingTimeout, PING_TIMEOUT);
      assert.equal(value.maxPayload, 1000000);
    });

    it('gives every session its own sid', async () => {
      const sids = new Set(await Promise.all([1, 2, 3, 4, 5].map(() => openPolling(URL))));
      assert.equal(sids.size, 5);
    });

    it('refuses a missing or wrong EIO version with code 5', async () => {
      for (const q of ['transport=polling', 'EIO=abc&transport=polling', 'EIO=3&transport=polling']) {
        const res = await fetch(`${URL}/socket.io/?${q}`);
        assert.equal(res.status, 400, q);
        assert.deepEqual(await res.json(), { code: 5, message: 'Unsupported protocol version' });
      }
    });

    it('refuses an unknown transport with code 0', async () => {
      for (const q of ['EIO=4', 'EIO=4&transport=abc', 'EIO=4&transport=constructor']) {
        const res = await fetch(`${URL}/socket.io/?${q}`);
        assert.equal(res.status, 400, q);
        assert.equal(res.headers.get('access-control-allow-origin'), '*');
        assert.deepEqual(await res.json(), { code: 0, message: 'Transport unknown' });
      }
    });

    it('refuses a handshake that is not a GET with code 2', async () => {
      for (const method of ['POST', 'PUT', 'DELETE']) {
        const res = await fetch(eioUrl(URL), { method, body: method === 'DELETE' ? undefined : '40' });
        assert.equal(res.status, 400, method);
        assert.deepEqual(await res.json(), { code: 2, message: 'Bad handshake method' });
      }
    });

    it('refuses an unknown sid with code 1', async () => {
      for (const sid of ['test', 'x'.repeat(20), '']) {
        const res = await poll(sid);
        assert.equal(res.status, 400);
        assert.deepEqual(await res.json(), { code: 1, message: 'Session ID unknown' });
      }
      const res = await push('nope', '42["x"]');
      assert.equal(res.status, 400);
      assert.deepEqual(await res.json(), { code: 1, message: 'Session ID unknown' });
    });

    it('answers a CORS preflight', async () => {
      const res = await fetch(eioUrl(URL), {
        method: 'OPTIONS',
        headers: { origin: 'http://example.test', 'access-control-request-headers': 'content-type' },
      });
      assert.equal(res.status, 204);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      assert.match(res.headers.get('access-control-allow-methods'), /POST/);
      assert.equal(res.headers.get('access-control-allow-headers'), 'content-type');
    });

    it('opens a WebSocket session with no further upgrades', async () => {
      const raw = new RawSocket(`${WS}/socket.io/?EIO=4&transport=websocket`);
      const data = await raw.next();
      assert.equal(data[0], '0');
      const value = JSON.parse(data.substring(1));
      assert.deepEqual(value.upgrades, []);
      assert.equal(value.pingInterval, PING_INTERVAL);
      assert.equal(value.maxPayload, 1000000);
      raw.close();
    });

    it('refuses WebSocket handshakes with a bad EIO or transport', async () => {
      for (const q of ['transport=websocket', 'EIO=abc&transport=websocket', 'EIO=4', 'EIO=4&transport=abc']) {
        const raw = new RawSocket(`${WS}/socket.io/?${q}`);
        await assert.rejects(raw.opened, q);
        assert.notEqual(await closedWithin(raw, 2000), 'timeout', q);
      }
    });

    it('answers 404 outside the mount path', async () => {
      const res = await fetch(`${URL}/socket.io/other?EIO=4&transport=polling`);
      assert.equal(res.status, 404);
    });
  });

  describe('long-polling', () => {
    it('batches packets with the record separator', async () => {
      const sid = await openPolling(URL);
      let res = await push(sid, '40\x1e42["message","a"]\x1e42["message",1,{"b":[true]}]');
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'ok');
      res = await poll(sid);
      const records = (await res.text()).split('\x1e');
      assert.match(records[0], /^40\{"sid":"[^"]+"\}$/);
      assert.deepEqual(records.slice(1), ['42["auth",{}]', '42["message-back","a"]', '42["message-back",1,{"b":[true]}]']);
    });

    it('carries binary attachments as base64 records', async () => {
      const sid = await openPolling(URL);
      await push(sid, '40');
      await (await poll(sid)).text();  // CONNECT answer + auth
      const res = await push(sid, '451-["message",{"_placeholder":true,"num":0}]\x1ebAQIDBA==');
      assert.equal(await res.text(), 'ok');
      const body = await (await poll(sid)).text();
      assert.equal(body, '451-["message-back",{"_placeholder":true,"num":0}]\x1ebAQIDBA==');
    });

    it('closes the session on an invalid packet', async () => {
      const sid = await openPolling(URL);
      const res = await push(sid, 'abc');
      assert.equal(res.status, 400);
      assert.equal((await poll(sid)).status, 400);
    });

    it('closes the session on invalid base64', async () => {
      const sid = await openPolling(URL);
      const res = await push(sid, 'b!!!');
      assert.equal(res.status, 400);
      assert.equal((await poll(sid)).status, 400);
    });

    it('closes the session on duplicate GET requests', async () => {
      const sid = await openPolling(URL);
      // Whichever arrives second is the duplicate: it gets the error, the held one the close packet.
      const answers = await Promise.all([poll(sid), poll(sid, '&t=burst')]);
      const held = answers.find((r) => r.status === 200);
      const duplicate = answers.find((r) => r.status === 400);
      assert.ok(held && duplicate, `answers ${answers.map((r) => r.status)}`);
      assert.equal(await held.text(), '1');
      assert.deepEqual(await duplicate.json(), { code: 3, message: 'Bad request' });
      assert.equal((await poll(sid)).status, 400);
    });

    it('answers 413 to a payload above maxPayload and ends the session', async () => {
      const body = '4' + 'x'.repeat(1000001);  // built first: the session's first ping is due in 300 ms
      const sid = await openPolling(URL);
      const res = await push(sid, body);
      assert.equal(res.status, 413);
      assert.equal((await poll(sid)).status, 400);
    });

    it('refuses a body above the HTTP limit without reading it', async () => {
      const body = '4' + 'x'.repeat(2 * 1024 * 1024);
      const sid = await openPolling(URL);
      // The server answers 413 and closes while the client may still be uploading: the client
      // sees either the 413 or a reset connection, never a success.
      const status = await push(sid, body).then((r) => r.status, () => 'reset');
      assert.ok(status === 413 || status === 'reset', String(status));
      // The request never reached the session, which still works.
      const res = await push(sid, '40');
      assert.equal(res.status, 200);
    });
  });

  describe('heartbeat', () => {
    // "Keeps the session while pongs come back" must not depend on the test runner answering within
    // the conformance server's 200 ms on a loaded machine, nor on three pings (≥ 900 ms) fitting in its
    // 1 s connect timeout: those two run against an instance with the same 300 ms ping interval, a 2 s
    // ping timeout and a 10 s connect timeout. The timeout tests keep the conformance settings.
    let lenient;
    before(async () => {
      lenient = await startEcho({
        flags: ['--ping-interval-ms', String(PING_INTERVAL), '--ping-timeout-ms', '2000', '--connect-timeout-ms', '10000'],
      });
    });
    after(async () => { await lenient?.stop(); });

    it('sends pings on long-polling and keeps the session while pongs come back', async () => {
      const sid = await openPolling(lenient.url);
      const lpoll = (s) => fetch(eioUrl(lenient.url, `&sid=${s}`));
      for (let i = 0; i < 3; i++) {
        const res = await lpoll(sid);
        assert.equal(res.status, 200);
        assert.equal(await res.text(), '2');
        const pong = await fetch(eioUrl(lenient.url, `&sid=${sid}`), { method: 'POST', body: '3' });
        assert.equal(pong.status, 200);
      }
    });

    it('closes a long-polling session after a ping timeout', async () => {
      const started = performance.now();
      const sid = await openPolling(URL);
      assert.equal(await (await poll(sid)).text(), '2');
      // No pong: the next poll is held until the session ends and carries the close packet (or,
      // when this runner was slower than the timeout, finds the session gone).
      const held = await poll(sid);
      const answer = held.status === 200 ? await held.text() : held.status;
      assert.ok(answer === '1' || answer === 400, `the poll after the missed pong got ${answer}`);
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= PING_INTERVAL + PING_TIMEOUT, `closed after ${elapsed} ms, before the ping timeout`);
      assert.equal((await poll(sid)).status, 400);
    });

    it('sends pings on WebSocket', async () => {
      const raw = new RawSocket(`${lenient.wsUrl}/socket.io/?EIO=4&transport=websocket`);
      await raw.next();
      for (let i = 0; i < 3; i++) {
        assert.equal(await raw.next(), '2');
        raw.send('3');
      }
      raw.close();
    });

    it('closes a WebSocket that does not answer pings', async () => {
      const started = performance.now();
      const raw = new RawSocket(`${WS}/socket.io/?EIO=4&transport=websocket`);
      await raw.next();
      // In a namespace, so only the heartbeat (not the connect timeout) can end the session.
      raw.send('40');
      assert.match(await raw.next(), /^40\{/);
      assert.equal(await raw.next(), '42["auth",{}]');
      assert.equal(await raw.next(), '2');  // not answered
      assert.notEqual(await closedWithin(raw, 5000), 'timeout');
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= PING_INTERVAL + PING_TIMEOUT, `closed after ${elapsed} ms, before the ping timeout`);
    });
  });

  describe('close', () => {
    it('ends a long-polling session on a close packet (the pending poll gets a noop)', async () => {
      const sid = await openPolling(URL);
      const pending = heldPoll(URL, sid);
      await pending.sent;
      assert.equal((await push(sid, '1')).status, 200);
      const pollRes = await pending.response;
      assert.equal(pollRes.status, 200);
      assert.equal(pollRes.text, '6');
      assert.equal((await poll(sid)).status, 400);
    });

    it('ends a WebSocket session on a close packet', async () => {
      const raw = new RawSocket(`${WS}/socket.io/?EIO=4&transport=websocket`);
      await raw.next();
      raw.send('1');
      assert.notEqual(await closedWithin(raw, 2000), 'timeout');
    });
  });

  describe('upgrade', () => {
    it('upgrades from long-polling to WebSocket (probe, noop, upgrade)', async () => {
      const sid = await openPolling(URL);
      await push(sid, '40');
      await (await poll(sid)).text();
      const raw = new RawSocket(`${WS}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);
      await raw.opened;
      raw.send('2probe');
      assert.equal(await raw.next(), '3probe');
      const pollRes = await poll(sid);
      assert.equal(pollRes.status, 200);
      assert.equal(await pollRes.text(), '6');
      raw.send('5');
      raw.send('42["message","over websocket"]');
      let msg = await raw.next();
      while (msg === '2') { raw.send('3'); msg = await raw.next(); }
      assert.equal(msg, '42["message-back","over websocket"]');
      raw.close();
    });

    it('refuses HTTP requests with the same sid after the upgrade', async () => {
      const sid = await openPolling(URL);
      const raw = new RawSocket(`${WS}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);
      await raw.opened;
      raw.send('2probe');
      assert.equal(await raw.next(), '3probe');
      raw.send('5');
      raw.send('40');  // answered over the WebSocket only once the upgrade is done
      assert.match(await raw.next(), /^40\{"sid":/);
      const res = await poll(sid);
      assert.equal(res.status, 400);
      assert.deepEqual(await res.json(), { code: 3, message: 'Bad request' });
      raw.close();
    });

    it('refuses a second WebSocket with the same sid after the upgrade', async () => {
      const sid = await openPolling(URL);
      const raw = new RawSocket(`${WS}/socket.io/?EIO=4&transport=websocket&sid=${sid}`, { skipPings: true });
      await raw.opened;
      raw.send('2probe');
      assert.equal(await raw.next(), '3probe');
      raw.send('5');
      raw.send('40');  // answered over the WebSocket only once the upgrade is done
      assert.match(await raw.next(), /^40\{"sid":/);
      const second = new RawSocket(`${WS}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);
      await assert.rejects(second.opened);
      assert.notEqual(await closedWithin(second, 2000), 'timeout');
      raw.send('42["message","still upgraded"]');
      assert.equal(await raw.next(), '42["auth",{}]');
      assert.equal(await raw.next(), '42["message-back","still upgraded"]');
      raw.close();
    });

    it('refuses an upgrade of an unknown sid', async () => {
      const raw = new RawSocket(`${WS}/socket.io/?EIO=4&transport=websocket&sid=unknown`);
      await assert.rejects(raw.opened);
    });
  });

  describe('Socket.IO namespaces', () => {
    async function connectRaw(packet) {
      const raw = new RawSocket(`${WS}/socket.io/?EIO=4&transport=websocket`, { skipPings: true });
      await raw.next();
      raw.send(packet);
      return raw;
    }

    it('connects to the main namespace and emits the handshake auth', async () => {
      const raw = await connectRaw('40');
      const answer = await raw.next();
      assert.match(answer, /^40\{"sid":"[A-Za-z0-9_-]+"\}$/);
      assert.equal(await raw.next(), '42["auth",{}]');
      raw.close();
    });

    it('passes the CONNECT payload as auth', async () => {
      const raw = await connectRaw('40{"token":"123"}');
      assert.match(await raw.next(), /^40\{"sid":/);
      assert.equal(await raw.next(), '42["auth",{"token":"123"}]');
      raw.close();
    });

    it('connects to a custom namespace', async () => {
      const raw = await connectRaw('40/custom,{"token":"abc"}');
      const answer = await raw.next();
      assert.match(answer, /^40\/custom,\{"sid":"[^"]+"\}$/);
      assert.equal(await raw.next(), '42/custom,["auth",{"token":"abc"}]');
      raw.close();
    });

    it('refuses an unknown namespace with CONNECT_ERROR', async () => {
      const raw = await connectRaw('40/random');
      assert.equal(await raw.next(), '44/random,{"message":"Invalid namespace"}');
      raw.close();
    });

    it('closes the connection on an invalid handshake', async () => {
      const raw = await connectRaw('4abc');
      assert.notEqual(await closedWithin(raw, 2000), 'timeout');
    });

    it('closes a connection that joins no namespace within the connect timeout', async () => {
      const started = performance.now();
      const raw = new RawSocket(`${WS}/socket.io/?EIO=4&transport=websocket`, { skipPings: true });
      await raw.next();
      assert.notEqual(await closedWithin(raw, CONNECT_TIMEOUT + 5000), 'timeout');
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= CONNECT_TIMEOUT, `closed after ${elapsed} ms, before the connect timeout`);
    });

    it('disconnects from the main namespace; the connection stays', async () => {
      const raw = await sioWebSocket(WS);
      raw.skipPings = false;
      raw.send('41');
      assert.equal(await raw.next(), '2');
      raw.close();
    });

    it('leaves a custom namespace while the main one goes on', async () => {
      const raw = await sioWebSocket(WS);
      raw.send('40/custom');
      assert.match(await raw.next(), /^40\/custom,/);
      assert.equal(await raw.next(), '42/custom,["auth",{}]');
      raw.send('41/custom');
      raw.send('42/custom,["message","ignored"]');
      raw.send('42["message","message to main namespace"]');
      assert.equal(await raw.next(), '42["message-back","message to main namespace"]');
      raw.close();
    });
  });

  describe('Socket.IO events', () => {
    it('echoes a plain-text event', async () => {
      const raw = await sioWebSocket(WS);
      raw.send('42["message",1,"2",{"3":[true]}]');
      assert.equal(await raw.next(), '42["message-back",1,"2",{"3":[true]}]');
      raw.close();
    });

    it('echoes binary attachments as binary frames', async () => {
      const raw = await sioWebSocket(WS);
      raw.send('452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
      raw.send(Uint8Array.from([1, 2, 3]));
      raw.send(Uint8Array.from([4, 5, 6]));
      assert.equal(await raw.next(), '452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
      assert.deepEqual(await raw.next(), Buffer.from([1, 2, 3]));
      assert.deepEqual(await raw.next(), Buffer.from([4, 5, 6]));
      raw.close();
    });

    it('answers an event with an ack', async () => {
      const raw = await sioWebSocket(WS);
      raw.send('42456["message-with-ack",1,"2",{"3":[false]}]');
      assert.equal(await raw.next(), '43456[1,"2",{"3":[false]}]');
      raw.close();
    });

    it('answers a binary event with a binary ack', async () => {
      const raw = await sioWebSocket(WS);
      raw.send('452-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
      raw.send(Uint8Array.from([1, 2, 3]));
      raw.send(Uint8Array.from([4, 5, 6]));
      assert.equal(await raw.next(), '462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
      assert.deepEqual(await raw.next(), Buffer.from([1, 2, 3]));
      assert.deepEqual(await raw.next(), Buffer.from([4, 5, 6]));
      raw.close();
    });

    for (const [what, frame] of [
      ['unknown packet type', '4abc'],
      ['payload that is not an array', '42{}'],
      ['invalid ack id', '42abc["message-with-ack",1]'],
      ['empty event', '42[]'],
      ['reserved event name', '42["disconnect"]'],
      ['placeholder without attachment', '451-["message",{"_placeholder":true,"num":5}]'],
      ['unexpected binary frame', Uint8Array.from([9, 9])],
      ['invalid JSON', '42["message",'],
    ]) {
      it(`closes the connection on an invalid packet: ${what}`, async () => {
        const raw = await sioWebSocket(WS);
        raw.send(frame);
        if (what === 'placeholder without attachment') raw.send(Uint8Array.from([1]));
        assert.notEqual(await closedWithin(raw, 2000), 'timeout');
      });
    }

    it('closes a connection that stops reading once its unsent data passes 4 MiB', async () => {
      const bench = async (skipPings) => {
        const raw = new RawSocket(`${WS}/socket.io/?EIO=4&transport=websocket`, { skipPings });
        await raw.next();
        raw.send('40/bench,');
        assert.match(await raw.next(), /^40\/bench,/);
        raw.send('42/bench,0["join","slow"]');
        assert.equal(await raw.next(), '43/bench,0[]');
        return raw;
      };
      const lazy = await bench(true);
      const sender = await bench(true);
      lazy.ws._socket.pause();  // stops reading from TCP: kernel buffers fill, then the outbox
      const chunk = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 400; i++) sender.send(`42/bench,["relay","slow","${chunk}"]`);  // 25 MiB
      // The sender's events are handled in order: once this one is acknowledged, every relay has
      // been queued for the lazy reader (or found it closed).
      sender.send('42/bench,1["join","slow"]');
      assert.equal(await sender.next(20_000), '43/bench,1[]');
      lazy.ws._socket.resume();  // reads again and answers pings: only the overflow can have closed it
      let received = 0;
      const counting = (async () => {
        for (;;) {
          const m = await lazy.next(3000).catch(() => null);
          if (m === null) return;
          if (typeof m === 'string' && m.startsWith('42/bench,["relay"')) received++;
        }
      })();
      assert.notEqual(await closedWithin(lazy, 3000), 'timeout', 'the lazy reader was disconnected');
      await counting;
      assert.ok(received < 400, `got ${received} of 400 relays before the close`);
      sender.send('42["message","sender unaffected"]');
      sender.close();
    });

    it('survives random garbage on both transports', async () => {
      let seed = 12345;
      const rand = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
      const alphabet = '0123456789[]{}",:-/_abcxyz\x1eb=+ \u00e9';
      const garbage = () => {
        let out = String(rand(7));
        const len = rand(40);
        for (let i = 0; i < len; i++) out += alphabet[rand(alphabet.length)];
        return out;
      };
      for (let round = 0; round < 15; round++) {
        const raw = await sioWebSocket(WS);
        for (let i = 0; i < 10; i++) {
          if (rand(4) === 0) raw.send(Buffer.from(Array.from({ length: rand(16) }, () => rand(256))));
          else raw.send('4' + garbage());
        }
        const sid = await openPolling(URL);
        const posts = [];
        for (let i = 0; i < 5; i++) posts.push(push(sid, Array.from({ length: 1 + rand(3) }, garbage).join('\x1e')));
        for (const r of await Promise.all(posts)) assert.ok([200, 400].includes(r.status), String(r.status));
        raw.close();
      }
      assert.equal(echo.child.exitCode, null, 'the server is still running');
      const raw = await sioWebSocket(WS);
      raw.send('42["message","alive"]');
      assert.equal(await raw.next(), '42["message-back","alive"]');
      raw.close();
    });

    it('survives a burst of malformed input and keeps serving others', async () => {
      const bad = ['', '4', '5', '0', '4/', '42/custom', '43', '46-', '4999999999-[]', '42' + '['.repeat(10000)];
      for (const body of bad) {
        const sid = await openPolling(URL);
        const res = await push(sid, body);
        assert.ok([200, 400].includes(res.status), `${JSON.stringify(body.slice(0, 20))} → ${res.status}`);
      }
      const raw = await sioWebSocket(WS);
      raw.send('42["message","still here"]');
      assert.equal(await raw.next(), '42["message-back","still here"]');
      raw.close();
    });
  });
});
