// Live co-editing benchmark: propagation latency, server CPU and memory with 50 stock y-websocket
// editors, against the built server (SQLite persistence on) and, in the same run and under the same
// load, the reference @y/websocket-server (memory only); then the cold load of a document with
// 10,000 stored updates, before and after compaction. The editors type into the scene descriptions
// of a storyboard the server planned (the rule-based planner), as people in the studio do; each
// reference room gets a copy of the same document first. Needs `npm run build` first. It prints
// numbers and whether the targets are met; it never fails on a time.
//
//   node scripts/collab-bench.mjs          (also run at the end of `npm run bench`)
//   COLLAB_BENCH_SECONDS=5 COLLAB_BENCH_ROUNDS=1 node scripts/collab-bench.mjs   (a quicker, noisier run)
//   COLLAB_BENCH_CPU_PROF=/tmp/prof …   (also writes the server's V8 CPU profiles into /tmp/prof)
//
// The load runs alternate between the two servers over several rounds (ours first in odd rounds,
// the reference first in even ones) and the percentiles are taken over every round's receipts
// together: on a shared 2-core machine a single run of each is at the mercy of whatever else ran
// during it, and the comparison is only fair when both servers meet the same drift.
//
// One file, several roles: the orchestrator (run()) forks this same file as the reference server
// and as client processes, so that neither server shares an event loop with the editors that load
// it, and the editors' own work does not pile up in the orchestrator's loop. Only the client
// processes load yjs, and only with import(): `npm run bench` has already loaded the CommonJS copy
// of yjs through the inference library, and a second copy in one process breaks Yjs.
import { fork, spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compare, freePort, isMain, percentile, ratioAtMost, valueAtMost } from './bench-report.mjs';

export { freePort };

const SELF = fileURLToPath(import.meta.url);
const ROOT = join(dirname(SELF), '..');
const require = createRequire(import.meta.url);

const SECONDS = Number(process.env.COLLAB_BENCH_SECONDS || 10);
const ROUNDS = Number(process.env.COLLAB_BENCH_ROUNDS || 8);
export const EDITORS = 50;
const DOCS = 10;
const CHARS_PER_SECOND = 3;
/** Typed but not counted: the first seconds measure JIT compilation of both servers, not their steady state. */
const WARMUP_SECONDS = 3;
const CLIENT_PROCESSES = 2;
const COLD_UPDATES = 10_000;
/** Written through the server over this many connections, one after another (see writeThrough). */
const COLD_CONNECTIONS = 40;
export const ADMIN_PASSWORD = 'collab-bench-admin-password';
const TARGETS = { p99Ms: 30, p99VsReference: 1.2, coldLoadMs: 100 };
/** Planned into every document the editors type into: five scenes, so ten editors share a scene's text at 50 editors. */
const PROMPT = '清晨的港口，渔船出海，海鸥盘旋，午后的集市，夜里灯塔亮起';

/** Milliseconds on a clock all processes of the machine share (each child's offset is still measured). */
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const ms = (v) => (Number.isFinite(v) ? v.toFixed(2) : Number.isNaN(v) ? 'n/a' : 'lost');

async function until(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

// ---------------------------------------------------------------------------------------------
// Child roles

/** Request/response over the IPC channel: {id, type, ...} in, {id, ok, value | error} out. */
function serve(handlers) {
  // The orchestrator is gone (or done with us): nothing is left to do.
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (msg) => {
    try {
      const value = await handlers[msg.type](msg);
      process.send({ id: msg.id, ok: true, value });
    } catch (err) {
      process.send({ id: msg.id, ok: false, error: err.stack ?? String(err) });
    }
  });
}

/** @y/websocket-server's own connection handler on a plain http + ws server, documents in memory. */
function referenceServerRole() {
  const http = require('node:http');
  const { WebSocketServer } = require('ws');
  // The CommonJS build (and its CommonJS yjs): this process loads nothing else that uses yjs.
  const { setupWSConnection } = require('@y/websocket-server/utils');
  const server = http.createServer((_req, res) => res.end('ok'));
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => setupWSConnection(ws, req)));
  serve({
    listen: ({ port }) => new Promise((res, rej) => server.once('error', rej).listen(port, '127.0.0.1', () => res(port))),
  });
}

async function clientRole() {
  const Y = await import('yjs');
  const { WebsocketProvider } = await import('y-websocket');
  const { WebSocket } = await import('ws');

  const connect = (url, room, params) => {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(url, room, doc, {
      WebSocketPolyfill: WebSocket,
      params,
      // Every editor is its own browser tab on its own machine: no shortcut through BroadcastChannel.
      disableBc: true,
      maxBackoffTime: 500,
    });
    return { doc, provider, text: doc.getText('bench') };
  };
  /** The description of scene `k` (modulo the scene count) of the storyboard the document holds. */
  const sceneDescription = (doc, k) => {
    const scenes = doc.getMap('storyboard').get('scenes');
    if (!scenes || scenes.length === 0) throw new Error('the document holds no storyboard scenes to type into');
    return scenes.get(k % scenes.length).get('description');
  };
  const destroy = (e) => {
    e.provider.destroy();
    e.doc.destroy();
  };

  // The Node build of y-websocket adds one process 'exit' listener per provider.
  process.setMaxListeners(EDITORS + 10);
  let editors = [];
  let recording = false;
  // Parallel arrays, not objects: the one-document run records ~150,000 receipts.
  let sendKeys = [];
  let sendTimes = [];
  let recvKeys = [];
  let recvTimes = [];

  serve({
    now: () => now(),

    /** Connects this process's share of the editors and waits until every one is synced. */
    connect: async ({ list, timeoutMs }) => {
      editors = list.map(({ url, room, params, index }) => {
        const e = connect(url, room, params);
        e.index = index;
        // An item id (client, clock) names each typed character in every copy of the document.
        // The clocks a remote transaction added are the ids of the characters it carried, whichever
        // scene's text they went into.
        e.doc.on('afterTransaction', (tr) => {
          if (!recording || tr.local) return;
          const t = now();
          for (const [client, after] of tr.afterState) {
            if (client === e.doc.clientID) continue;
            for (let clock = tr.beforeState.get(client) ?? 0; clock < after; clock++) {
              recvKeys.push(`${client}:${clock}`);
              recvTimes.push(t);
            }
          }
        });
        return e;
      });
      await until('every editor to sync', () => editors.every((e) => e.provider.synced), timeoutMs);
      // Editors spread over the scenes by their number across all client processes.
      for (const e of editors) e.text = sceneDescription(e.doc, e.index);
      return editors.length;
    },

    /** Every editor types `count` characters, one every 1/cps s, from `startAt` (this process's clock). */
    type: async ({ startAt, cps, count, perRoom, drainMaxMs }) => {
      sendKeys = [];
      sendTimes = [];
      recvKeys = [];
      recvTimes = [];
      recording = true;
      const cpu0 = process.cpuUsage();
      await sleep(Math.max(0, startAt - now()));
      const period = 1000 / cps;
      await Promise.all(
        editors.map(async (e) => {
          // A random phase, so that 50 editors do not all press a key in the same millisecond.
          await sleep(Math.random() * period);
          const first = now();
          for (let i = 0; i < count; i++) {
            const clock = Y.getState(e.doc.store, e.doc.clientID);
            sendKeys.push(`${e.doc.clientID}:${clock}`);
            sendTimes.push(now());
            // The provider sends the update synchronously, from the transaction's update event.
            e.text.insert(e.text.length, String.fromCharCode(97 + (i % 26)));
            await sleep(Math.max(0, first + (i + 1) * period - now()));
          }
        }),
      );
      // Until every other editor's every character has arrived here, within a bound: what is still
      // missing then counts as lost (an infinite latency), so a backlog cannot flatter the p99.
      const expected = editors.length * count * (perRoom - 1);
      const drainUntil = now() + drainMaxMs;
      while (recvKeys.length < expected && now() < drainUntil) await sleep(20);
      recording = false;
      const cpu = process.cpuUsage(cpu0);
      return {
        sendKeys,
        sendTimes: Float64Array.from(sendTimes),
        recvKeys,
        recvTimes: Float64Array.from(recvTimes),
        cpuMs: (cpu.user + cpu.system) / 1000,
      };
    },

    /**
     * Copies the document of room `from` (once its storyboard holds scenes) into the empty room
     * `to` of another server, and waits until a fresh editor there sees all of it.
     */
    seed: async ({ from, to, timeoutMs }) => {
      const source = connect(from.url, from.room, from.params);
      try {
        await until(`room ${from.room} to sync with its scenes`, () => source.provider.synced && source.doc.getMap('storyboard').get('scenes')?.length > 0, timeoutMs);
        const target = connect(to.url, to.room, to.params);
        try {
          await until(`room ${to.room} to sync`, () => target.provider.synced, timeoutMs);
          Y.applyUpdate(target.doc, Y.encodeStateAsUpdate(source.doc));
          const check = connect(to.url, to.room, to.params);
          try {
            const want = JSON.stringify(source.doc.getMap('storyboard').toJSON());
            await until(`room ${to.room} to hold the copy`, () => check.provider.synced && JSON.stringify(check.doc.getMap('storyboard').toJSON()) === want, timeoutMs);
          } finally {
            destroy(check);
          }
        } finally {
          destroy(target);
        }
        return source.doc.getMap('storyboard').get('scenes').length;
      } finally {
        destroy(source);
      }
    },

    disconnect: () => {
      editors.forEach(destroy);
      editors = [];
      sendKeys = sendTimes = recvKeys = recvTimes = [];
      return true;
    },

    /**
     * `total` one-character updates through the server, from `connections` editors that connect one
     * after another (each types its share, in separate transactions, then leaves). One connection at
     * a time so that nothing is relayed; several because the server's per-connection rate limit
     * (60 messages/s, burst 300) would make one connection take almost three minutes.
     */
    writeThrough: async ({ url, room, params, total, connections, timeoutMs }) => {
      const per = Math.ceil(total / connections);
      const t0 = now();
      let written = 0;
      for (let c = 0; c < connections && written < total; c++) {
        const e = connect(url, room, params);
        try {
          // Synced, and holding everything the earlier editors wrote: the server has stored it all.
          await until(`editor ${c} to sync`, () => e.provider.synced && e.text.length >= written, timeoutMs);
          const n = Math.min(per, total - written);
          for (let i = 0; i < n; i++) e.text.insert(e.text.length, String.fromCharCode(97 + (i % 26)));
          written += n;
        } finally {
          destroy(e);
        }
      }
      const check = connect(url, room, params);
      try {
        await until('the last updates to be stored', () => check.provider.synced && check.text.length >= written, timeoutMs);
      } finally {
        destroy(check);
      }
      return { written, ms: now() - t0 };
    },

    /** Connect → synced for a fresh editor (cold when the server has not loaded the document), then a second one while the first stays (warm). */
    syncTime: async ({ url, room, params, timeoutMs }) => {
      const timed = async () => {
        const t0 = now();
        const e = connect(url, room, params);
        await new Promise((res, rej) => {
          const timer = setTimeout(() => rej(new Error(`no sync within ${timeoutMs} ms`)), timeoutMs);
          e.provider.once('synced', () => {
            clearTimeout(timer);
            res();
          });
        });
        return { e, ms: now() - t0 };
      };
      const cold = await timed();
      const warm = await timed();
      const length = cold.e.text.length;
      destroy(cold.e);
      destroy(warm.e);
      return { coldMs: cold.ms, warmMs: warm.ms, length };
    },

    /**
     * Writes `total` one-character updates of one Yjs client straight into doc_updates while the
     * server is stopped: the only way to get a document whose rows were never compacted, since the
     * server compacts every 500 updates while it runs.
     */
    writeRows: ({ dbPath, projectId, total }) => {
      const Database = require('better-sqlite3');
      const doc = new Y.Doc();
      const text = doc.getText('bench');
      const updates = [];
      doc.on('update', (u) => updates.push(u));
      for (let i = 0; i < total; i++) text.insert(text.length, String.fromCharCode(97 + (i % 26)));
      const db = new Database(dbPath);
      try {
        const insert = db.prepare('INSERT INTO doc_updates (project_id, seq, "update", user_id) VALUES (?, ?, ?, NULL)');
        db.transaction(() => {
          db.prepare('DELETE FROM doc_updates WHERE project_id = ?').run(projectId);
          updates.forEach((u, i) => insert.run(projectId, i + 1, Buffer.from(u)));
        })();
      } finally {
        db.close();
      }
      doc.destroy();
      return updates.length;
    },

    rows: ({ dbPath, projectIds }) => {
      const Database = require('better-sqlite3');
      const db = new Database(dbPath, { readonly: true });
      try {
        const count = db.prepare('SELECT COUNT(*) AS n FROM doc_updates WHERE project_id = ?');
        return Object.fromEntries(projectIds.map((id) => [id, count.get(id).n]));
      } finally {
        db.close();
      }
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Orchestrator

const children = new Set();

/** Everything started here dies with the orchestrator, also when it fails or is interrupted. */
export function killAll() {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

export function stopProcess(child, signal, timeoutMs = 15_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      children.delete(child);
      res();
    });
    child.kill(signal);
  });
}

/** A forked role of this file, spoken to with `call`. */
export function forkRole(role) {
  const child = fork(SELF, ['--role', role], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  children.add(child);
  const pending = new Map();
  let next = 0;
  child.on('message', (msg) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.ok) p.res(msg.value);
    else p.rej(new Error(`${role}: ${msg.error}`));
  });
  child.on('exit', (code, signal) => {
    for (const p of pending.values()) p.rej(new Error(`${role} process exited (${code ?? signal})`));
    pending.clear();
  });
  const call = (type, args = {}, timeoutMs = 60_000) =>
    new Promise((res, rej) => {
      const id = next++;
      const timer = setTimeout(() => {
        pending.delete(id);
        rej(new Error(`${role}: ${type} took over ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, {
        res: (v) => (clearTimeout(timer), res(v)),
        rej: (e) => (clearTimeout(timer), rej(e)),
      });
      child.send({ id, type, ...args });
    });
  return { child, call, pid: child.pid };
}

function emptyModelsDir(dataDir) {
  const dir = join(dataDir, 'no-models');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The built server, as `npm start` runs it, with its own data folder (`env` for the scaled bench: PostgreSQL, Redis). */
export async function startOurServer(dataDir, port, env = { DATABASE_URL: '' }) {
  const t0 = now();
  // COLLAB_BENCH_CPU_PROF=<dir>: each server start writes a V8 CPU profile there when it exits.
  const profile = process.env.COLLAB_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.COLLAB_BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, join(ROOT, 'apps/server/dist/main.js')], {
    cwd: ROOT,
    // An empty models folder unless the caller names one: plans come from the rule-based planner,
    // the same on every machine, whatever an operator dropped into models/.
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, MODELS_DIR: emptyModelsDir(dataDir), REELCRAFT_ADMIN_PASSWORD: ADMIN_PASSWORD, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let log = '';
  // The last 20 kB are enough to say why it failed.
  const keep = (d) => (log = (log + d).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  await until(
    'the server to answer /api/health',
    async () => {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${log}`);
      try {
        return (await fetch(`http://127.0.0.1:${port}/api/health`)).ok;
      } catch {
        return false; // not listening yet
      }
    },
    60_000,
  );
  return { child, pid: child.pid, port, startMs: now() - t0, log: () => log };
}

/** A project whose storyboard the server planned from PROMPT, once the planner is done with it. */
export async function plannedProject(base, token, name) {
  const { id } = await api(base, 'POST', '/api/projects', token, { name, prompt: PROMPT });
  await until(`the plan of ${name}`, async () => (await api(base, 'GET', `/api/projects/${id}`, token)).planner !== null, 30_000);
  return id;
}

export async function api(base, method, path, token, body) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

let clkTck = 100;
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
} catch {
  // getconf missing: 100 is what Linux uses nearly everywhere.
}

/** utime + stime of a process, in ms (fields 14 and 15 of /proc/<pid>/stat, after the command name). */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clkTck;
}

export function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Busy ms of the whole machine (all cores), from /proc/stat, to show what else competed for the CPU. */
function machineBusyMs() {
  const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return ((total - f[3] - f[4]) * 1000) / clkTck;
}

/** Offset of a child's clock from ours, from the ping with the shortest round trip. */
async function clockOffset(client) {
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < 20; i++) {
    const t0 = now();
    const tc = await client.call('now');
    const t1 = now();
    if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: tc - (t0 + t1) / 2 };
  }
  return best.offset;
}

/**
 * One load run: EDITORS editors spread round-robin over `rooms`, split over the client processes,
 * each typing CHARS_PER_SECOND characters a second for WARMUP_SECONDS + SECONDS; the characters
 * sent in the first WARMUP_SECONDS are not counted. With `urls` (several instances), the editors of
 * each document are spread over them in turn.
 */
export async function loadRun({ label, server, url, urls, rooms, params, clients }) {
  // Editor i types into scene ⌊i / rooms⌋ of its room (modulo the scenes), so a room's editors spread over its scenes.
  const list = Array.from({ length: EDITORS }, (_, i) => ({ url: urls ? urls[Math.floor(i / rooms.length) % urls.length] : url, room: rooms[i % rooms.length], params, index: Math.floor(i / rooms.length) }));
  await Promise.all(clients.map((c, k) => c.call('connect', { list: list.filter((_, i) => i % clients.length === k), timeoutMs: 30_000 }, 40_000)));
  const offsets = await Promise.all(clients.map(clockOffset));
  const count = (WARMUP_SECONDS + SECONDS) * CHARS_PER_SECOND;
  const typingAt = now() + 300;
  const startAt = typingAt + WARMUP_SECONDS * 1000;
  const endAt = startAt + SECONDS * 1000 + 1000 / CHARS_PER_SECOND;

  // CPU over the typing window exactly; RSS sampled once a second within it.
  const samples = { rss: [] };
  const sampler = (async () => {
    await sleep(startAt - now());
    samples.cpu0 = cpuMs(server.pid);
    samples.clientCpu0 = clients.map((c) => cpuMs(c.pid));
    samples.machine0 = machineBusyMs();
    samples.load = loadavg()[0];
    while (now() < endAt) {
      samples.rss.push(rssMiB(server.pid));
      await sleep(Math.min(1000, Math.max(0, endAt - now())));
    }
    samples.cpu1 = cpuMs(server.pid);
    samples.clientCpu1 = clients.map((c) => cpuMs(c.pid));
    samples.machine1 = machineBusyMs();
  })();
  // Awaited once the typing is done; a failure before then (the server gone) must not count as unhandled.
  sampler.catch(() => undefined);
  const results = await Promise.all(
    clients.map((c, k) => c.call('type', { startAt: typingAt + offsets[k], cps: CHARS_PER_SECOND, count, perRoom: EDITORS / rooms.length, drainMaxMs: 15_000 }, (SECONDS + 40) * 1000)),
  );
  await sampler.catch((err) => {
    throw new Error(`the ${label} server was gone during the load (${err.message})${server.log ? `; its last output:\n${server.log().slice(-3000)}` : ''}`);
  });
  const windowMs = endAt - startAt;

  // Which room each sender typed into, to know how many receipts to expect.
  const sendAt = new Map();
  let sends = 0;
  let expected = 0;
  const perRoom = EDITORS / rooms.length;
  results.forEach((r, k) => {
    for (let i = 0; i < r.sendKeys.length; i++) {
      const sent = r.sendTimes[i] - offsets[k];
      if (sent < startAt) continue; // warm-up
      sendAt.set(r.sendKeys[i], sent);
      sends += 1;
      expected += perRoom - 1;
    }
  });
  const latencies = [];
  results.forEach((r, k) => {
    for (let i = 0; i < r.recvKeys.length; i++) {
      const sent = sendAt.get(r.recvKeys[i]);
      if (sent !== undefined) latencies.push(r.recvTimes[i] - offsets[k] - sent);
    }
  });
  const sorted = Float64Array.from(latencies).sort();
  await Promise.all(clients.map((c) => c.call('disconnect')));
  const serverMs = samples.cpu1 - samples.cpu0;
  const clientsMs = samples.clientCpu1.reduce((s, c, k) => s + c - samples.clientCpu0[k], 0);
  return {
    label,
    docs: rooms.length,
    sends,
    expected,
    latencies: sorted,
    ...latencyFigures(sorted, expected),
    serverCpu: serverMs / windowMs,
    clientsCpu: clientsMs / windowMs,
    othersCpu: (samples.machine1 - samples.machine0 - serverMs - clientsMs) / windowMs,
    load: samples.load,
    rssPeak: Math.max(...samples.rss),
  };
}

function latencyFigures(sorted, expected) {
  return {
    received: sorted.length,
    delivered: sorted.length / expected,
    p50: percentile(sorted, 0.5, expected),
    p99: percentile(sorted, 0.99, expected),
    max: sorted.length === expected ? sorted[sorted.length - 1] : Infinity,
  };
}

/** Several rounds of one server and layout as one run: receipts pooled, loads averaged, peaks kept. */
export function pool(runs) {
  const mean = (k) => runs.reduce((s, r) => s + r[k], 0) / runs.length;
  const expected = runs.reduce((s, r) => s + r.expected, 0);
  const latencies = new Float64Array(runs.reduce((s, r) => s + r.latencies.length, 0));
  let at = 0;
  for (const r of runs) latencies.set(r.latencies, (at += r.latencies.length) - r.latencies.length);
  latencies.sort();
  return {
    server: runs[0].server,
    docs: runs[0].docs,
    sends: runs.reduce((s, r) => s + r.sends, 0),
    expected,
    ...latencyFigures(latencies, expected),
    serverCpu: mean('serverCpu'),
    clientsCpu: mean('clientsCpu'),
    othersCpu: mean('othersCpu'),
    load: mean('load'),
    rssPeak: Math.max(...runs.map((r) => r.rssPeak)),
  };
}

export async function run() {
  const dataDir = mkdtempSync(join(tmpdir(), 'reelcraft-collab-bench-'));
  const dbPath = join(dataDir, 'reelcraft.sqlite');
  const onSignal = () => {
    killAll();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('exit', killAll);
  const t0 = now();
  console.log(`\nReelcraft collab bench — ${new Date().toISOString()} — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} — node ${process.version}`);
  console.log(
    `${EDITORS} y-websocket editors in ${CLIENT_PROCESSES} client processes, ${CHARS_PER_SECOND} chars/s each for ${WARMUP_SECONDS} s of warm-up + ${SECONDS} s measured, ` +
      `${ROUNDS} alternating round(s) per server and layout; ` +
      `latency = receive − send of every character at every other editor of its document.`,
  );
  try {
    const [ourPort, refPort] = [await freePort(), await freePort()];
    let ours = await startOurServer(dataDir, ourPort);
    const reference = forkRole('reference');
    await reference.call('listen', { port: refPort });
    const clients = Array.from({ length: CLIENT_PROCESSES }, () => forkRole('client'));
    const tools = clients[0];

    const base = `http://127.0.0.1:${ourPort}`;
    let token = (await api(base, 'POST', '/api/users/login', null, { username: 'admin', password: ADMIN_PASSWORD })).token;
    const project = async (name) => (await api(base, 'POST', '/api/projects', token, { name })).id;
    const planned = (name) => plannedProject(base, token, name);
    const idle = { ours: rssMiB(ours.pid), reference: rssMiB(reference.pid) };

    const ourUrl = `ws://127.0.0.1:${ourPort}/collab`;
    const refUrl = `ws://127.0.0.1:${refPort}`;
    // Ours and the reference back to back for each layout, alternating which goes first, so both meet about the same machine.
    // Every round types into new, freshly planned documents: reusing them would make each round's
    // editors sync and type into all the text of the rounds before, so rounds would not repeat one another
    // and the later ones (50 clients applying every keystroke to an ever longer text) would measure
    // the editors' own backlog more than either server.
    const rounds = [0, 1].map(() => ({ ours: [], ref: [] }));
    for (let round = 0; round < ROUNDS; round++) {
      const ten = [];
      for (let i = 0; i < DOCS; i++) ten.push(await planned(`bench round ${round + 1} document ${i}`));
      const layouts = [
        { ours: { rooms: [await planned(`bench round ${round + 1} one document`)] }, ref: { rooms: [`round-${round}-one`] } },
        { ours: { rooms: ten }, ref: { rooms: Array.from({ length: DOCS }, (_, i) => `round-${round}-ten-${i}`) } },
      ];
      // The reference's rooms start as copies of ours: the same storyboard to type into.
      for (const layout of layouts) {
        for (const [i, room] of layout.ref.rooms.entries()) {
          await tools.call('seed', { from: { url: ourUrl, room: layout.ours.rooms[i], params: { token } }, to: { url: refUrl, room, params: {} }, timeoutMs: 20_000 }, 30_000);
        }
      }
      for (const [i, layout] of layouts.entries()) {
        const order = round % 2 === 0 ? ['ours', 'ref'] : ['ref', 'ours'];
        for (const who of order) {
          const run =
            who === 'ours'
              ? { server: 'ours (SQLite)', ...(await loadRun({ label: 'ours', server: ours, url: ourUrl, rooms: layout.ours.rooms, params: { token }, clients })) }
              : { server: 'reference', ...(await loadRun({ label: 'ref', server: reference, url: refUrl, rooms: layout.ref.rooms, params: {}, clients })) };
          rounds[i][who].push(run);
        }
      }
    }
    const [oursOne, refOne, oursTen, refTenRun] = rounds.flatMap((r) => [pool(r.ours), pool(r.ref)]);
    const runs = [oursOne, refOne, oursTen, refTenRun];
    if (ROUNDS > 1) {
      console.log('\nEach round on its own (ms):');
      console.table(
        rounds.flatMap((r) =>
          ['ours', 'ref'].flatMap((who) => r[who].map((run, k) => ({ server: run.server, docs: run.docs, round: k + 1, p50: ms(run.p50), p99: ms(run.p99), 'server CPU': `${(run.serverCpu * 100).toFixed(1)} %`, 'other processes CPU': `${(run.othersCpu * 100).toFixed(0)} %` }))),
        ),
      );
    }
    await stopProcess(reference.child, 'SIGTERM');

    console.log(`\nPropagation latency (ms) and server load during typing, ${ROUNDS} round(s) pooled:`);
    console.table(
      runs.map((r) => ({
        server: r.server,
        docs: r.docs,
        'editors/doc': EDITORS / r.docs,
        'chars sent': r.sends,
        receipts: r.received,
        delivered: `${(r.delivered * 100).toFixed(1)} %`,
        p50: ms(r.p50),
        p99: ms(r.p99),
        max: ms(r.max),
        'server CPU': `${(r.serverCpu * 100).toFixed(1)} %`,
        'server RSS peak (MiB)': r.rssPeak.toFixed(0),
        'clients CPU': `${(r.clientsCpu * 100).toFixed(1)} %`,
        'other processes CPU': `${(r.othersCpu * 100).toFixed(0)} %`,
        'load avg': r.load.toFixed(1),
      })),
    );
    console.log(
      `server RSS before the load (MiB): ours ${idle.ours.toFixed(0)}, reference ${idle.reference.toFixed(0)}. CPU 100 % = one core of ${cpus().length}; ` +
        `"other processes" is everything else on the machine in the same window; "lost" = not arrived 15 s after typing stopped (counted as infinite).`,
    );

    // Cold load: the reference keeps documents in memory only, so this part is ours alone.
    const coldLive = await project('bench cold, written live');
    const coldRaw = await project('bench cold, raw rows');
    const warmUp = await project('bench warm-up');
    const written = await tools.call('writeThrough', { url: ourUrl, room: coldLive, params: { token }, total: COLD_UPDATES, connections: COLD_CONNECTIONS, timeoutMs: 20_000 }, 120_000);
    // A crash, not a shutdown: a SIGTERM would compact on the way out.
    await stopProcess(ours.child, 'SIGKILL');
    await tools.call('writeRows', { dbPath, projectId: coldRaw, total: COLD_UPDATES });
    const rowsBefore = await tools.call('rows', { dbPath, projectIds: [coldLive, coldRaw] });

    const coldRound = async () => {
      ours = await startOurServer(dataDir, ourPort);
      token = (await api(base, 'POST', '/api/users/login', null, { username: 'admin', password: ADMIN_PASSWORD })).token;
      // First connection of the process on a one-row document, so the numbers below are the document's load, not the first upgrade's.
      await tools.call('syncTime', { url: ourUrl, room: warmUp, params: { token }, timeoutMs: 10_000 });
      const raw = await tools.call('syncTime', { url: ourUrl, room: coldRaw, params: { token }, timeoutMs: 30_000 });
      const live = await tools.call('syncTime', { url: ourUrl, room: coldLive, params: { token }, timeoutMs: 30_000 });
      return { raw, live, startMs: ours.startMs };
    };
    const before = await coldRound();
    // A graceful stop unloads every document, compacting each into one row.
    await stopProcess(ours.child, 'SIGTERM');
    const rowsAfter = await tools.call('rows', { dbPath, projectIds: [coldLive, coldRaw] });
    const after = await coldRound();
    await stopProcess(ours.child, 'SIGTERM');

    console.log(`\nCold load (server restarted each time; connect → synced of a fresh editor, then a second editor while the document is loaded):`);
    console.log(`${COLD_UPDATES} one-character updates; "written live" went through the server over ${COLD_CONNECTIONS} connections in ${(written.ms / 1000).toFixed(1)} s.`);
    const coldRows = [
      ['10,000 raw rows, never compacted', rowsBefore[coldRaw], before.raw],
      ['written live, then SIGKILL (periodic compaction every 500)', rowsBefore[coldLive], before.live],
      ['10,000 raw rows, after compaction', rowsAfter[coldRaw], after.raw],
      ['written live, after compaction', rowsAfter[coldLive], after.live],
    ];
    console.table(
      coldRows.map(([doc, rows, m]) => ({
        document: doc,
        'stored rows': rows,
        'chars synced': m.length,
        'cold connect→synced (ms)': m.coldMs.toFixed(1),
        'warm connect→synced (ms)': m.warmMs.toFixed(1),
      })),
    );
    console.log(`server start to healthy: ${before.startMs.toFixed(0)} ms, ${after.startMs.toFixed(0)} ms`);

    const coldAfter = Math.max(after.raw.coldMs, after.live.coldMs);
    const verdict = (ok) => (ok ? 'MET' : 'NOT MET');
    console.log('\nTargets (measured on this machine, with the editors on the same cores as the servers):');
    console.log(`  p99 at ${EDITORS} editors in one document, with persistence: ${ms(oursOne.p99)} ms (target ≤ ${TARGETS.p99Ms} ms) — ${verdict(oursOne.p99 <= TARGETS.p99Ms)}`);
    const ratioOne = oursOne.p99 / refOne.p99;
    const ratioTen = oursTen.p99 / refTenRun.p99;
    console.log(`  p99 ours / p99 reference, one document: ${ratioOne.toFixed(2)}× (target ≤ ${TARGETS.p99VsReference}×) — ${verdict(ratioOne <= TARGETS.p99VsReference)}`);
    console.log(`  p99 ours / p99 reference, ${DOCS} documents: ${ratioTen.toFixed(2)}× (target ≤ ${TARGETS.p99VsReference}×) — ${verdict(ratioTen <= TARGETS.p99VsReference)}`);
    console.log(`  cold load of a 10,000-update document after compaction: ${coldAfter.toFixed(1)} ms, the slower of the two (target ≤ ${TARGETS.coldLoadMs} ms) — ${verdict(coldAfter <= TARGETS.coldLoadMs)}`);
    console.log(`collab bench took ${((now() - t0) / 1000).toFixed(0)} s`);

    const bench = 'collab';
    const refLabel = 'the reference @y/websocket-server, memory only';
    const coldBefore = Math.max(before.raw.coldMs, before.live.coldMs);
    return [
      compare({
        bench,
        figure: `propagation p99, ${EDITORS} editors in one document, SQLite persistence`,
        value: oursOne.p99,
        unit: 'ms',
        baseline: refOne.p99,
        baselineLabel: refLabel,
        target: [ratioAtMost(TARGETS.p99VsReference), valueAtMost(TARGETS.p99Ms)],
      }),
      compare({ bench, figure: `propagation p99, ${DOCS} documents × ${EDITORS / DOCS} editors`, value: oursTen.p99, unit: 'ms', baseline: refTenRun.p99, baselineLabel: refLabel, target: ratioAtMost(TARGETS.p99VsReference) }),
      compare({ bench, figure: 'propagation p50, one document', value: oursOne.p50, unit: 'ms', baseline: refOne.p50, baselineLabel: refLabel }),
      compare({ bench, figure: 'server CPU while typing, one document (% of one core)', value: oursOne.serverCpu * 100, unit: '%', baseline: refOne.serverCpu * 100, baselineLabel: refLabel }),
      compare({
        bench,
        figure: `cold load of a ${COLD_UPDATES.toLocaleString('en')}-update document after compaction (slower of two)`,
        value: coldAfter,
        unit: 'ms',
        baseline: coldBefore,
        baselineLabel: 'the same documents before compaction',
        target: valueAtMost(TARGETS.coldLoadMs),
      }),
    ];
  } finally {
    killAll();
    // Wait for the kills to land before the data folder goes, so SQLite is not writing into it.
    await Promise.all([...children].map((c) => stopProcess(c, 'SIGKILL', 5_000)));
    rmSync(dataDir, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('exit', killAll);
  }
}

if (isMain(import.meta.url)) {
  const role = process.argv[process.argv.indexOf('--role') + 1];
  if (!process.argv.includes('--role')) await run();
  else if (role === 'reference') referenceServerRole();
  else if (role === 'client') await clientRole();
  else throw new Error(`unknown role ${role}`);
}
