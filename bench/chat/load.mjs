// Chat load generator: CLIENTS Socket.IO clients on "/bench", in rooms of two. Each pair plays
// ping-pong through the server: A relays a message stamped with the send time, the server delivers
// it to B (not back to A), B records the delivery latency and answers after THINK ms, and so on —
// one message in flight per pair. Reports deliveries/s, delivery latency p50/p99/max, and the
// server's resident memory per connection (from /proc/PID/status).
//
//   node load.mjs --url http://127.0.0.1:3000 --clients 1000 --seconds 10 [--think-ms 0]
//                 [--polling-share 0.1] [--server-pid PID] [--client sio|raw] [--json]
// --client raw (the default) speaks the same Socket.IO packets over `ws` directly with
// pre-built frames, so the single-threaded generator costs less per message than
// socket.io-client and more of the machine is left to the server; polling clients always use
// socket.io-client.
import { io } from 'socket.io-client';
import { WebSocket } from 'ws';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : 'true']);
  return acc;
}, []));
const url = args.url || 'http://127.0.0.1:3000';
const clients = Number(args.clients || 1000) & ~1;
const seconds = Number(args.seconds || 10);
const warmup = Number(args.warmup || 2);
const thinkMs = Number(args['think-ms'] || 0);
const pollingShare = Number(args['polling-share'] || 0);
const serverPid = args['server-pid'];
const clientKind = args.client || 'raw';

// A minimal Socket.IO peer on "/bench" over a WebSocket, with the socket.io-client surface the
// benchmark uses (connect, emitWithAck for join, emit/on for relay, disconnect).
class RawBenchClient {
  constructor(base) {
    this.handlers = [];
    this.acks = new Map();
    this.nextAck = 0;
    this.ws = new WebSocket(base.replace('http', 'ws') + '/socket.io/?EIO=4&transport=websocket');
    this.ready = new Promise((resolve, reject) => {
      this.ws.on('error', reject);
      this.ws.on('message', (data) => {
        const m = data.toString();
        if (m === '2') { this.ws.send('3'); return; }
        if (m[0] === '0') { this.ws.send('40/bench,'); return; }
        if (m.startsWith('40/bench,')) { resolve(); return; }
        if (m.startsWith('44/bench,')) { reject(new Error(m)); return; }
        if (m.startsWith('42/bench,')) {
          const a = JSON.parse(m.slice(9));
          for (const h of this.handlers) h(...a.slice(1));
          return;
        }
        if (m.startsWith('43/bench,')) {
          const id = parseInt(m.slice(9), 10);
          const cb = this.acks.get(id);
          if (cb) { this.acks.delete(id); cb(); }
        }
      });
    });
  }
  once(event, cb) { if (event === 'connect') this.ready.then(cb, () => {}); else this.ready.catch(cb); }
  on(event, h) { if (event === 'relay') this.handlers.push(h); }
  timeout() { return this; }
  emitWithAck(event, ...args) {
    const id = this.nextAck++;
    return new Promise((resolve) => {
      this.acks.set(id, resolve);
      this.ws.send('42/bench,' + id + JSON.stringify([event, ...args]));
    });
  }
  emit(event, ...args) { this.ws.send('42/bench,' + JSON.stringify([event, ...args])); }
  disconnect() { this.ws.close(); }
}

const rssKiB = () => {
  if (!serverPid) return null;
  const m = fs.readFileSync(`/proc/${serverPid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
  return m ? Number(m[1]) : null;
};
// CPU seconds (user + system) the server process has used so far.
const serverCpu = () => {
  if (!serverPid) return null;
  const fields = fs.readFileSync(`/proc/${serverPid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;  // utime, stime in clock ticks (USER_HZ 100)
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const rssBefore = rssKiB();
const sockets = [];
const t0 = performance.now();
const batch = 100;
for (let i = 0; i < clients; i += batch) {
  const group = [];
  for (let j = i; j < Math.min(clients, i + batch); j++) {
    // Every tenth pair (for a 0.1 share) polls instead of using a WebSocket; both ends alike.
    const polling = pollingShare > 0 && ((j >> 1) % Math.round(1 / pollingShare)) === 0;
    const s = !polling && clientKind === 'raw' ? new RawBenchClient(url)
      : io(url + '/bench', { transports: [polling ? 'polling' : 'websocket'], forceNew: true, reconnection: false });
    group.push(new Promise((resolve, reject) => {
      s.once('connect', resolve);
      s.once('connect_error', reject);
    }));
    sockets.push(s);
  }
  await Promise.all(group);
}
const connectSeconds = (performance.now() - t0) / 1000;
await Promise.all(sockets.map((s, i) => s.timeout(10000).emitWithAck('join', `room-${i >> 1}`)));
await sleep(500);
const rssConnected = rssKiB();

let measuring = false;
let running = true;
let delivered = 0;
const latencies = [];
for (let i = 0; i < clients; i++) {
  const self = sockets[i];
  const room = `room-${i >> 1}`;
  self.on('relay', (_room, sentAt, body) => {
    if (measuring) {
      delivered++;
      latencies.push(performance.now() - sentAt);
    }
    if (!running) return;
    const reply = () => self.emit('relay', room, performance.now(), body);
    if (thinkMs > 0) setTimeout(reply, thinkMs); else reply();
  });
}
const body = 'x'.repeat(64);
for (let i = 0; i < clients; i += 2) sockets[i].emit('relay', `room-${i >> 1}`, performance.now(), body);
await sleep(warmup * 1000);
const cpu0 = serverCpu();
const own0 = process.cpuUsage();
measuring = true;
const m0 = performance.now();
await sleep(seconds * 1000);
measuring = false;
const elapsed = (performance.now() - m0) / 1000;
const cpu1 = serverCpu();
const own1 = process.cpuUsage(own0);
running = false;
const rssEnd = rssKiB();
await sleep(200);
for (const s of sockets) s.disconnect();

latencies.sort((a, b) => a - b);
const pct = (p) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : NaN;
const result = {
  clients,
  client: clientKind,
  polling_share: pollingShare,
  think_ms: thinkMs,
  connect_s: Number(connectSeconds.toFixed(2)),
  deliveries_per_s: Math.round(delivered / elapsed),
  p50_ms: Number(pct(0.5).toFixed(2)),
  p99_ms: Number(pct(0.99).toFixed(2)),
  max_ms: Number((latencies.at(-1) ?? NaN).toFixed(2)),
  server_cpu_pct: cpu0 === null ? null : Math.round(100 * (cpu1 - cpu0) / elapsed),
  server_cpu_us_per_delivery: cpu0 === null || !delivered ? null : Number((1e6 * (cpu1 - cpu0) / delivered).toFixed(1)),
  generator_cpu_pct: Math.round(100 * (own1.user + own1.system) / 1e6 / elapsed),
  rss_before_kib: rssBefore,
  rss_connected_kib: rssConnected,
  rss_end_kib: rssEnd,
  kib_per_connection: rssBefore && rssConnected ? Number(((rssConnected - rssBefore) / clients).toFixed(1)) : null,
};
console.log(args.json ? JSON.stringify(result) : result);
process.exit(0);
