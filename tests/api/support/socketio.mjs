// Helpers for the realtime suites: start `medcore dev socketio-echo`, raw HTTP long-polling and
// raw WebSocket peers that speak Engine.IO by hand.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { WebSocket } from 'ws';
import { BIN, freePort } from '../harness.mjs';

export const PING_INTERVAL = 300;
export const PING_TIMEOUT = 200;

const children = new Set();
process.on('exit', () => {
  for (const c of children) {
    try { c.kill('SIGKILL'); } catch { /* gone */ }
  }
});

// Starts the conformance server; resolves { port, url, wsUrl, child, stop() }.
export async function startEcho({ port, adapter, flags = [] } = {}) {
  port = port || await freePort();
  const extra = [...(adapter ? ['--adapter', adapter] : []), ...flags];
  const child = spawn(BIN, ['dev', 'socketio-echo', '--port', String(port), '--io-threads', '2', ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`echo server did not start: ${output}`)), 10_000);
    const onData = (d) => {
      output += d;
      if (output.includes('listening on')) { clearTimeout(timer); resolve(); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => { output += d; });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`echo server exited ${code}: ${output}`)); });
  });
  child.removeAllListeners('exit');
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    child,
    exited,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const r = await exited;
      children.delete(child);
      return r;
    },
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function eioUrl(base, extra = '') {
  return `${base}/socket.io/?EIO=4&transport=polling${extra}`;
}

// Opens a long-polling session; resolves its sid.
export async function openPolling(base) {
  const res = await fetch(eioUrl(base));
  const text = await res.text();
  if (res.status !== 200 || text[0] !== '0') throw new Error(`handshake failed: ${res.status} ${text}`);
  return JSON.parse(text.substring(1)).sid;
}

// A long-polling GET on a connection of its own: `sent` resolves once the request is handed to
// the OS (so a request made after that reaches the server second), `response` with
// { status, text }. The server gives no signal that a poll is parked; this orders two requests
// without a sleep.
export function heldPoll(base, sid) {
  let sent;
  const response = new Promise((resolve, reject) => {
    const req = http.get(eioUrl(base, `&sid=${sid}`), { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    sent = new Promise((r) => req.on('finish', r));
  });
  return { sent, response };
}

// A WebSocket that queues what it receives: next() resolves the next message (strings for text
// frames, Buffers for binary ones); closed resolves when the socket closes.
export class RawSocket {
  constructor(url, { skipPings = false } = {}) {
    this.ws = new WebSocket(url);
    this.ws.binaryType = 'nodebuffer';
    this.queue = [];
    this.waiters = [];
    this.skipPings = skipPings;
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
    });
    this.opened.catch(() => {});
    this.ws.on('error', () => {});
    this.closed = new Promise((resolve) => this.ws.once('close', (code) => resolve(code)));
    this.ws.on('message', (data, isBinary) => {
      const msg = isBinary ? Buffer.from(data) : data.toString();
      if (this.skipPings && msg === '2') { this.ws.send('3'); return; }
      const w = this.waiters.shift();
      if (w) w(msg); else this.queue.push(msg);
    });
  }

  next(timeoutMs = 2000) {
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        const i = this.waiters.indexOf(done);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error('no message within ' + timeoutMs + ' ms'));
      }, timeoutMs);
      const done = (m) => { clearTimeout(t); resolve(m); };
      this.waiters.push(done);
    });
  }

  send(data) { this.ws.send(data); }
  close() { this.ws.close(); }
}

// Resolves the close code, or 'timeout'.
export function closedWithin(raw, ms) {
  return Promise.race([raw.closed, sleep(ms).then(() => 'timeout')]);
}

// A WebSocket Engine.IO session connected to the main Socket.IO namespace, pings answered.
export async function sioWebSocket(wsUrl) {
  const raw = new RawSocket(`${wsUrl}/socket.io/?EIO=4&transport=websocket`, { skipPings: true });
  await raw.next();        // Engine.IO open
  raw.send('40');
  await raw.next();        // Socket.IO CONNECT answer
  await raw.next();        // the "auth" event
  return raw;
}
