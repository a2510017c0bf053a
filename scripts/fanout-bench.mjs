// Socket.IO fan-out benchmark (issue 14): how late an event reaches 200 watchers when they are
// spread over two server instances joined by the Redis adapter, against all 200 on one instance.
//
// Each instance is a child process running a Socket.IO server on Node's HTTP server with the
// adapter set up exactly as the gateway does it (apps/server/dist: RedisConnections'
// socketIoClients() and @socket.io/redis-adapter under REDIS_PREFIX + 'socket.io'); the one-instance
// baseline has no Redis at all, as the embedded mode. The server's auth and rooms are left out on
// purpose: what differs between the two modes is the adapter, so that is what is timed. Every
// watcher joins one room; instance A emits a tick carrying Date.now() to that room, and each
// client notes Date.now() when it arrives (one machine, one clock). The next tick goes once every
// watcher has the previous one, so ticks never queue behind each other.
//
//  - one instance: 200 clients on A;
//  - two instances: 100 on A, 100 on B, emitted on A (B's half crosses Redis);
// p50 / p99 / max over every (client, tick). Targets: two-instance p99 ≤ 1.5× one-instance and ≤ 50 ms.
// Rounds of both configurations are interleaved. Needs `npm run build` and Redis at REDIS_URL
// (default redis://127.0.0.1:6379); prints the figures, never fails on a time. The last line,
// `BENCH_JSON {…}`, is for reports to collect.
//
//   node scripts/fanout-bench.mjs          (also run by `npm run bench`)
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { compare, ratioAtMost, skipped, summary, valueAtMost } from './bench-report.mjs';

const require = createRequire(import.meta.url);
const SELF = fileURLToPath(import.meta.url);
const CLIENTS = 200;
const TICKS = 100;
const ROUNDS = 3;
const TARGET_RATIO = 1.5;
const TARGET_P99_MS = 50;
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** One instance: `node fanout-bench.mjs serve [redisUrl prefix]`; prints its port, emits a tick on GET /tick. */
async function serve(redisUrl, prefix) {
  const { Server } = require('socket.io');
  const http = createServer();
  const io = new Server(http, { path: '/socket.io', serveClient: false });
  let redis = null;
  if (redisUrl) {
    const { RedisConnections } = require('../apps/server/dist/redis/redis-connections.js');
    const { createAdapter } = require('@socket.io/redis-adapter');
    redis = new RedisConnections({ redis: { url: redisUrl, prefix } });
    const clients = redis.socketIoClients();
    io.adapter(createAdapter(clients.pub, clients.sub, { key: `${redis.prefix}socket.io` }));
    await redis.onModuleInit();
  }
  io.on('connection', (socket) => void socket.join('watchers'));
  http.on('request', (req, res) => {
    if (req.url?.startsWith('/tick')) io.to('watchers').emit('tick', { at: Date.now() });
    res.end('ok');
  });
  http.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${http.address().port}\n`));
  process.on('SIGTERM', async () => {
    io.close();
    await redis?.onApplicationShutdown();
    process.exit(0);
  });
}

function startInstance(args) {
  const child = spawn(process.execPath, [SELF, 'serve', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((res, rej) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /PORT (\d+)/.exec(out);
      if (m) res({ child, url: `http://127.0.0.1:${m[1]}` });
    });
    child.once('exit', (code) => rej(new Error(`instance exited with ${code}`)));
  });
}

const stop = ({ child }) => new Promise((res) => {
  child.removeAllListeners('exit');
  child.once('exit', res);
  child.kill('SIGTERM');
});

async function measure(instances) {
  const { io } = require('socket.io-client');
  const sockets = [];
  for (let i = 0; i < CLIENTS; i++) {
    const s = io(instances[i % instances.length].url, { path: '/socket.io', transports: ['websocket'], reconnection: false });
    sockets.push(s);
  }
  await Promise.all(sockets.map((s) => new Promise((res, rej) => (s.connected ? res() : (s.once('connect', res), s.once('connect_error', rej))))));
  // Joins are done on connection; a moment for the last ones (and the adapter's subscriptions) to settle.
  await sleep(200);
  const latencies = [];
  let pending = 0;
  let allIn = () => undefined;
  for (const s of sockets) {
    s.on('tick', ({ at }) => {
      latencies.push(Date.now() - at);
      if (--pending === 0) allIn();
    });
  }
  for (let t = 0; t < TICKS; t++) {
    pending = CLIENTS;
    const done = new Promise((res) => (allIn = res));
    await fetch(`${instances[0].url}/tick`);
    await done;
  }
  for (const s of sockets) s.disconnect();
  return latencies;
}

/** Whether Redis answers at all: without it a comparison is skipped, not failed (collab-scaled-bench asks too). */
export async function redisAnswers(url = REDIS_URL) {
  const Redis = require('ioredis');
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

export async function run() {
  if (!(await redisAnswers())) return [skipped('fanout', `no Redis answers at ${REDIS_URL} (set REDIS_URL)`)];
  const prefix = `reelcraft-bench:${process.pid}:`;
  const one = [];
  const two = [];
  for (let r = 0; r < ROUNDS; r++) {
    const single = await startInstance([]);
    one.push(...(await measure([single])));
    await stop(single);
    const a = await startInstance([REDIS_URL, prefix]);
    const b = await startInstance([REDIS_URL, prefix]);
    two.push(...(await measure([a, b])));
    await Promise.all([stop(a), stop(b)]);
  }
  const base = summary(one);
  const scaled = summary(two);
  const ratio = scaled.p99 / Math.max(1, base.p99);
  console.log(`\nSocket.IO fan-out, ${CLIENTS} clients, ${TICKS} ticks x ${ROUNDS} rounds (ms, Date.now() resolution):`);
  console.log(`  one instance (baseline)      p50 ${base.p50}  p99 ${base.p99}  max ${base.max}`);
  console.log(`  two instances, Redis adapter p50 ${scaled.p50}  p99 ${scaled.p99}  max ${scaled.max}`);
  console.log(`  p99 ratio ${ratio.toFixed(2)}x (target <= ${TARGET_RATIO}x: ${ratio <= TARGET_RATIO ? 'met' : 'NOT met'}); p99 <= ${TARGET_P99_MS} ms: ${scaled.p99 <= TARGET_P99_MS ? 'met' : 'NOT met'}`);
  console.log(`BENCH_JSON ${JSON.stringify({ bench: 'socket-fanout', clients: CLIENTS, ticks: TICKS * ROUNDS, one: base, two: scaled, p99_ratio: Number(ratio.toFixed(2)) })}`);
  const bench = 'fanout';
  const baselineLabel = `all ${CLIENTS} on one instance, no Redis`;
  return [
    compare({
      bench,
      figure: `one event to ${CLIENTS} Socket.IO clients, half on a second instance through the Redis adapter, p99`,
      value: scaled.p99,
      unit: 'ms',
      baseline: base.p99,
      baselineLabel,
      // Date.now() has 1 ms steps: a 0 ms baseline reads as 1 ms.
      ratio,
      target: [ratioAtMost(TARGET_RATIO), valueAtMost(TARGET_P99_MS)],
    }),
    compare({ bench, figure: 'the same, p50', value: scaled.p50, unit: 'ms', baseline: base.p50, baselineLabel, ratio: scaled.p50 / Math.max(1, base.p50) }),
  ];
}

if (process.argv[2] === 'serve') await serve(process.argv[3], process.argv[4]);
else if (process.argv[1] === SELF) await run();
