// Load benchmark (issue 15): one built server in embedded mode (SQLite, in-process queue, a tiny
// random-weight diffusion export so renders really run and send progress) under everything at
// once, on loopback, for LOAD_SECONDS:
//
//  - 200 API clients (20 users, each signed in ten times), each looping over a mix of what the
//    studio asks for (project list, a project, its storyboard, versions, members, renders, tasks,
//    a task, member search, models, me; saving and deleting a version, renaming its own project)
//    with a think time of 1–3 s between requests (about 100 requests a second in all);
//  - 50 stock y-websocket editors over 10 storyboards (5 each, each in a scene of its own), typing
//    3 characters a second into the scene's description and deleting what they typed every 30
//    characters; latency = receive − send of every typed character at every other editor of its
//    storyboard (the collab bench's method: a character's Yjs item id names it in every copy);
//  - 20 Socket.IO watchers (one per user) in the rooms of all 10 storyboards while they are
//    rendered one after the other; latency = receipt − `at` of each step preview (the moment the
//    render worker made it), and every watcher must get every render:progress and task:finished.
//
// Baselines come first, in the same run, each alone on the same server: one API client (10 ms
// think time, so a p99 has samples), one pair of editors in one storyboard, one watcher of renders.
// The server's RSS (VmRSS of its main process) is sampled every 2 s from before the load to its
// end; the growth levels off when the high-water mark (largest sample so far) grows over the last
// third of the measured window at most half as fast as over the first third (or under 2 MiB/min).
// The first WARMUP seconds of the load (a sixth, at most 20 s) are load but not measured.
//
// Each kind of client runs in a child process of its own (forked from this file), so none shares
// an event loop with the orchestrator or another kind; sender and receivers of an edit share one
// process and one clock. Targets: no API 5xx or network error, no edit or event lost, no socket
// dropped, API p99 ≤ 500 ms, edit p99 ≤ 200 ms (a delay people start to notice), preview p99 ≤
// 250 ms, memory levels off. Needs `npm run build`; prints the figures, never fails on a time.
//
//   node scripts/bench.mjs load                        (also run by `npm run bench`)
//   LOAD_SECONDS=30 node scripts/bench.mjs load        (a quick, noisier run)
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compare, freePort, isMain, percentile, summary, valueAtMost } from './bench-report.mjs';
import { ADMIN_PASSWORD, api, rssMiB, startOurServer, stopProcess } from './collab-bench.mjs';

const require = createRequire(import.meta.url);
const SELF = fileURLToPath(import.meta.url);

const LOAD_SECONDS = Number(process.env.LOAD_SECONDS || 180);
const WARMUP_SECONDS = Math.min(20, Math.round(LOAD_SECONDS / 6));
const BASELINE_SECONDS = Number(process.env.LOAD_BASELINE_SECONDS || 15);
const USERS = 20;
const API_CLIENTS = 200;
const EDITORS = 50;
const STORYBOARDS = 10;
const WATCHERS = 20;
const CHARS_PER_SECOND = 3;
/** What an editor types before deleting it again, so descriptions stay within their limit however long the run. */
const TYPED_BEFORE_DELETE = 30;
/**
 * Between two requests of one client: 200 clients at 2 s on average offer 100 requests a second,
 * more than 200 people at work in the studio ask for; 0.75 s on average (266 a second) saturated
 * the server on 2 cores, so the figures measured a queue instead of a studio under heavy use.
 */
const THINK_MS = { min: 1000, max: 3000 };
const BASELINE_THINK_MS = { min: 10, max: 10 };
const RSS_EVERY_MS = 2000;
/** A request, an edit or an event not there by then is lost. */
const REQUEST_TIMEOUT_MS = 10_000;
const DRAIN_MS = 15_000;
const RENDER_TIMEOUT_MS = 120_000;
const PASSWORD = 'load-bench-user-password';
const TARGETS = { apiP99Ms: 500, editP99Ms: 200, previewP99Ms: 250, rssSlopeFloorMiBPerMin: 2 };
/** Six clauses: the rule-based planner makes a scene of each, so five editors each get a scene of their own. */
const PROMPTS = [
  '清晨的港口，渔船出海，海鸥盘旋，集市开张，孩子们奔跑，夕阳下的灯塔',
  'A fox wakes in its den. It crosses a snowy field. It hunts by a frozen river. An owl watches. Night falls. The fox sleeps.',
  '森林里的小河，小鹿喝水，松鼠爬树，下起小雨，彩虹出现，动物们回家',
  'Rain on a city street. Neon signs flicker. A taxi passes. A cat hides under a car. The rain stops. Morning comes.',
  '春天的山坡，孩子们放风筝，风筝飞得很高，线断了，风筝落在树上，大家一起笑',
  'A small boat leaves the shore. Waves grow. A storm comes. The sailor holds on. The sun returns. The boat reaches an island.',
  '夜里的城市，灯光亮起，地铁进站，人们回家，窗户一盏盏熄灭，天亮了',
  'A robot wakes in a workshop. It learns to walk. It finds a flower. It waters the flower. The flower grows. The robot smiles.',
  '沙漠里的骆驼队，烈日当空，找到绿洲，喝水休息，星空出现，继续前行',
  'A baker opens her shop. Bread rises in the oven. Customers queue outside. A child buys a cake. The shop closes. The lights go out.',
  '雪山脚下的小村，炊烟升起，狗在雪地里跑，老人劈柴，孩子堆雪人，夜晚点灯',
];

const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const userName = (i) => `load-user-${String(i + 1).padStart(2, '0')}`;

async function until(what, check, timeoutMs, everyMs = 50) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Runs `tasks` (functions returning promises) with at most `limit` at a time. */
async function limited(limit, tasks) {
  const out = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await tasks[i]();
      }
    }),
  );
  return out;
}

const login = async (base, username, password) => (await api(base, 'POST', '/api/users/login', null, { username, password })).token;

// ---------------------------------------------------------------------------------------------
// Child roles: each gets one message with its work, answers with one result, and exits.

/**
 * API clients: each signs in, then loops over the mix until `endAt`. Requests started from
 * `measureFrom` on are counted. Failures: 5xx, no answer (network error, REQUEST_TIMEOUT_MS).
 */
async function apiRole({ base, clients, think, startAt, measureFrom, endAt }) {
  const perOp = new Map();
  const record = (op, ms, outcome) => {
    let s = perOp.get(op);
    if (!s) perOp.set(op, (s = { latencies: [], ok: 0, clientErrors: 0, serverErrors: 0, noAnswer: 0, firstError: null }));
    s.latencies.push(ms);
    s[outcome]++;
  };
  async function request(c, op, method, path, body) {
    const counted = Date.now() >= measureFrom;
    const t0 = performance.now();
    let status = 0;
    let json = null;
    let error = null;
    try {
      const res = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${c.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await res.text();
      status = res.status;
      json = text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null;
      if (status >= 400) error = `${status} ${text.slice(0, 200)}`;
    } catch (err) {
      error = String(err?.message ?? err);
    }
    const ms = performance.now() - t0;
    if (counted) {
      const outcome = status === 0 ? 'noAnswer' : status >= 500 ? 'serverErrors' : status >= 400 ? 'clientErrors' : 'ok';
      record(op, ms, outcome);
      if (error && !perOp.get(op).firstError) perOp.get(op).firstError = `${method} ${path}: ${error}`;
    }
    return status >= 200 && status < 300 ? (json ?? {}) : null;
  }
  const pick = (list) => list[Math.floor(Math.random() * list.length)];
  /** A storyboard's render history; remembers one of its renders for GET /tasks/:id. */
  async function renders(c) {
    const page = await request(c, 'GET renders', 'GET', `/api/projects/${pick(c.shared)}/renders?page=1&page_size=10`);
    if (page?.items?.length) c.task = pick(page.items).task_id;
    return c.task;
  }
  // [name, weight, what it does]: the studio's pages as people move between them.
  const MIX = [
    ['GET /projects', 15, (c) => request(c, 'GET /projects', 'GET', '/api/projects?page=1&page_size=20')],
    ['GET /projects/:id', 12, (c) => request(c, 'GET /projects/:id', 'GET', `/api/projects/${pick(c.shared)}`)],
    ['GET storyboard', 10, (c) => request(c, 'GET storyboard', 'GET', `/api/projects/${pick(c.shared)}/storyboard`)],
    ['GET versions', 8, (c) => request(c, 'GET versions', 'GET', `/api/projects/${pick(c.shared)}/versions`)],
    ['GET members', 5, (c) => request(c, 'GET members', 'GET', `/api/projects/${pick(c.shared)}/members`)],
    ['GET renders', 8, (c) => renders(c)],
    // A render a teammate started, as its "view" link opens it.
    ['GET /tasks/:id', 8, async (c) => (c.task ?? (await renders(c))) && request(c, 'GET /tasks/:id', 'GET', `/api/tasks/${c.task}`)],
    ['GET /tasks', 8, (c) => request(c, 'GET /tasks', 'GET', '/api/tasks?page=1&page_size=20')],
    ['search members', 5, (c) => request(c, 'search members', 'GET', `/api/projects/${c.own}/member-suggestions?q=load`)],
    ['GET /users/me', 5, (c) => request(c, 'GET /users/me', 'GET', '/api/users/me')],
    ['GET /models', 3, (c) => request(c, 'GET /models', 'GET', '/api/models')],
    [
      'save version',
      4,
      async (c) => {
        const project = pick(c.shared);
        const v = await request(c, 'POST versions', 'POST', `/api/projects/${project}/versions`, { name: `load ${c.n} ${c.saved++}` });
        // Deleted again at once: a project keeps at most 200 versions, and the run would fill them.
        if (v?.id) await request(c, 'DELETE version', 'DELETE', `/api/projects/${project}/versions/${v.id}`);
      },
    ],
    ['PATCH project', 3, (c) => request(c, 'PATCH project', 'PATCH', `/api/projects/${c.own}`, { name: `load own ${c.n} rev ${c.saved++}` })],
  ];
  const totalWeight = MIX.reduce((s, [, w]) => s + w, 0);
  const choose = () => {
    let r = Math.random() * totalWeight;
    for (const m of MIX) if ((r -= m[1]) < 0) return m[2];
    return MIX[0][2];
  };
  const state = await Promise.all(
    clients.map(async (c, n) => ({ ...c, n, token: await login(base, c.username, c.password), saved: 0, task: null })),
  );
  await sleep(startAt - Date.now());
  await Promise.all(
    state.map(async (c) => {
      // A random phase, so that the clients do not all ask in the same millisecond.
      await sleep(Math.random() * think.max);
      while (Date.now() < endAt) {
        await choose()(c);
        await sleep(think.min + Math.random() * (think.max - think.min));
      }
    }),
  );
  return Object.fromEntries([...perOp].map(([op, s]) => [op, { ...s, latencies: Float64Array.from(s.latencies) }]));
}

/**
 * Editors: each connects with its own session to its storyboard and types into the description of
 * its own scene. A character typed from `measureFrom` on is expected at every other editor of the
 * storyboard; one not there DRAIN_MS after the typing stopped is lost.
 */
async function editorsRole({ url, editors, cps, startAt, measureFrom, endAt }) {
  const Y = await import('yjs');
  const { WebsocketProvider } = await import('y-websocket');
  const { WebSocket } = await import('ws');
  // The Node build of y-websocket adds one process 'exit' listener per provider.
  process.setMaxListeners(editors.length + 10);
  const now = () => performance.timeOrigin + performance.now();
  const sendAt = new Map();
  const latencies = [];
  let expected = 0;
  let drops = 0;
  const closeCodes = {};
  let stopping = false;
  const perRoom = new Map();
  for (const e of editors) perRoom.set(e.room, (perRoom.get(e.room) ?? 0) + 1);

  const list = editors.map((e) => {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(url, e.room, doc, { WebSocketPolyfill: WebSocket, params: { token: e.token }, disableBc: true, maxBackoffTime: 500 });
    provider.on('connection-close', (ev) => {
      if (stopping) return;
      drops++;
      closeCodes[ev?.code ?? '?'] = (closeCodes[ev?.code ?? '?'] ?? 0) + 1;
    });
    doc.on('afterTransaction', (tr) => {
      if (tr.local) return;
      const t = now();
      for (const [client, after] of tr.afterState) {
        if (client === doc.clientID) continue;
        for (let clock = tr.beforeState.get(client) ?? 0; clock < after; clock++) {
          const sent = sendAt.get(`${client}:${clock}`);
          if (sent !== undefined) latencies.push(t - sent);
        }
      }
    });
    return { ...e, doc, provider };
  });
  await until('every editor to sync', () => list.every((e) => e.provider.synced), 60_000);
  for (const e of list) {
    const scenes = e.doc.getMap('storyboard').get('scenes');
    if (!scenes?.length) throw new Error(`storyboard ${e.room} has no scenes to type into`);
    e.text = scenes.get(e.scene % scenes.length).get('description');
    if (!(e.text instanceof Y.Text)) throw new Error(`scene ${e.scene} of ${e.room} has no description text`);
  }
  await sleep(startAt - Date.now());
  const period = 1000 / cps;
  await Promise.all(
    list.map(async (e) => {
      await sleep(Math.random() * period);
      const first = now();
      let typed = 0;
      for (let i = 0; Date.now() < endAt; i++) {
        if (typed === TYPED_BEFORE_DELETE) {
          // Selects what it typed and deletes it, as a person rewriting a phrase would.
          e.text.delete(e.text.length - typed, typed);
          typed = 0;
        } else {
          const clock = Y.getState(e.doc.store, e.doc.clientID);
          if (Date.now() >= measureFrom) {
            sendAt.set(`${e.doc.clientID}:${clock}`, now());
            expected += perRoom.get(e.room) - 1;
          }
          e.text.insert(e.text.length, i % 7 === 6 ? ' ' : String.fromCharCode(97 + (i % 26)));
          typed++;
        }
        await sleep(first + (i + 1) * period - now());
      }
    }),
  );
  const drainUntil = Date.now() + DRAIN_MS;
  while (latencies.length < expected && Date.now() < drainUntil) await sleep(50);
  stopping = true;
  for (const e of list) {
    e.provider.destroy();
    e.doc.destroy();
  }
  return { latencies: Float64Array.from(latencies), expected, sent: sendAt.size, drops, closeCodes };
}

/**
 * Watchers: each signs in, connects and joins every storyboard's room; meanwhile the starter
 * renders the storyboards one after the other until `endAt` (the last one is cancelled then).
 * Every render:progress and task:finished of a render is expected at every watcher.
 */
async function watchersRole({ base, watchers, rooms, starter, startAt, measureFrom, endAt }) {
  const { io } = require('socket.io-client');
  /** Per watcher: task id → what it received of that task, from the moment it joined (before any render starts). */
  const seen = watchers.map(() => new Map());
  const counted = new Set();
  const ends = new Map();
  /** Task id → preview latencies at every watcher; only renders that finished in the window count. */
  const latencies = new Map();
  let drops = 0;
  const dropReasons = {};
  let stopping = false;
  const sockets = await Promise.all(
    watchers.map(async (w, k) => {
      const token = await login(base, w.username, w.password);
      const socket = io(base, { path: '/socket.io', transports: ['websocket'], auth: { token }, reconnection: false });
      await new Promise((res, rej) => {
        socket.once('connect', res);
        socket.once('connect_error', rej);
      });
      socket.on('disconnect', (reason) => {
        if (stopping) return;
        drops++;
        dropReasons[reason] = (dropReasons[reason] ?? 0) + 1;
      });
      const of = (e) => {
        let s = seen[k].get(e.task_id);
        if (!s) seen[k].set(e.task_id, (s = { progress: 0, previews: 0, ended: null }));
        return s;
      };
      socket.on('render:progress', (e) => void of(e).progress++);
      socket.on('render:preview', (e) => {
        of(e).previews++;
        if (!counted.has(e.task_id)) return;
        if (!latencies.has(e.task_id)) latencies.set(e.task_id, []);
        latencies.get(e.task_id).push(Date.now() - e.at);
      });
      const end = (kind) => (e) => {
        of(e).ended = kind;
        ends.get(e.task_id)?.(kind);
      };
      socket.on('task:finished', end('finished'));
      socket.on('task:failed', end('failed'));
      for (const room of rooms) {
        const ack = await new Promise((res) => socket.emit('project:join', { project_id: room }, res));
        if (!ack?.ok) throw new Error(`watcher ${w.username} could not join ${room}: ${JSON.stringify(ack)}`);
      }
      return socket;
    }),
  );
  const token = await login(base, starter.username, starter.password);
  await sleep(startAt - Date.now());
  const renders = [];
  for (let r = 0; Date.now() < endAt; r++) {
    const inWindow = Date.now() >= measureFrom;
    const t0 = performance.now();
    const { task_id: id } = await api(base, 'POST', `/api/projects/${rooms[r % rooms.length]}/render`, token);
    if (inWindow) counted.add(id);
    // The first watcher to hear the end (or the first event an earlier one already stored).
    const ended = new Promise((res) => {
      ends.set(id, res);
      const early = seen.map((m) => m.get(id)?.ended).find(Boolean);
      if (early) res(early);
    });
    const outcome = await Promise.race([ended, sleep(Math.min(RENDER_TIMEOUT_MS, endAt - Date.now() + 1000)).then(() => 'running')]);
    if (outcome === 'running') {
      // The run is over (or the render hangs): it is cancelled, and not counted either way.
      await api(base, 'POST', `/api/tasks/${id}/cancel`, token).catch(() => undefined);
      counted.delete(id);
      renders.push({ id, outcome: 'cancelled at the end', counted: false });
      break;
    }
    renders.push({ id, outcome, counted: inWindow, seconds: (performance.now() - t0) / 1000 });
  }
  // Events of the last render still on their way to the slower watchers.
  await sleep(1000);
  stopping = true;
  for (const s of sockets) s.disconnect();
  let expected = 0;
  let missed = 0;
  let previewsSent = 0;
  const delivered = [];
  const none = { progress: 0, previews: 0, ended: null };
  for (const r of renders) {
    if (!r.counted || r.outcome !== 'finished') continue;
    const at = seen.map((m) => m.get(r.id) ?? none);
    // Progress events are not volatile: every watcher gets as many as the best-served one.
    const most = Math.max(...at.map((s) => s.progress));
    for (const s of at) {
      expected += most + 1;
      missed += most - s.progress + (s.ended === 'finished' ? 0 : 1);
    }
    previewsSent += Math.max(...at.map((s) => s.previews)) * at.length;
    delivered.push(...(latencies.get(r.id) ?? []));
  }
  return { latencies: Float64Array.from(delivered), renders, expected, missed, drops, dropReasons, previewsSent };
}

const ROLES = { api: apiRole, editors: editorsRole, watchers: watchersRole };

// ---------------------------------------------------------------------------------------------
// Orchestrator

const forks = new Set();

/** Runs one role of this file in a child process with `work`; its one answer is the result. */
function runRole(role, work, timeoutMs) {
  const child = fork(SELF, ['--role', role], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  forks.add(child);
  return new Promise((res, rej) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`${role} clients did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('message', (msg) => {
      clearTimeout(timer);
      if (msg.ok) res(msg.value);
      else rej(new Error(`${role} clients failed: ${msg.error}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      forks.delete(child);
      rej(new Error(`${role} clients exited (${code ?? signal}) without a result`));
    });
    child.send(work);
  });
}

/** What one run of the API mix measured: every operation's latencies pooled, and the failures. */
function apiFigures(perOp) {
  const all = [];
  const t = { n: 0, ok: 0, clientErrors: 0, serverErrors: 0, noAnswer: 0, firstErrors: [] };
  for (const s of Object.values(perOp)) {
    all.push(...s.latencies);
    for (const k of ['ok', 'clientErrors', 'serverErrors', 'noAnswer']) t[k] += s[k];
    t.n += s.latencies.length;
    if (s.firstError) t.firstErrors.push(s.firstError);
  }
  return { ...t, ...summary(all), failed: (t.serverErrors + t.noAnswer) / t.n, perOp };
}

function editFigures(r) {
  const sorted = Float64Array.from(r.latencies).sort();
  return {
    received: sorted.length,
    expected: r.expected,
    lost: (r.expected - sorted.length) / r.expected,
    p50: percentile(sorted, 0.5, r.expected),
    p99: percentile(sorted, 0.99, r.expected),
    drops: r.drops,
    closeCodes: r.closeCodes,
  };
}

function watchFigures(r) {
  const s = summary(r.latencies);
  const finished = r.renders.filter((x) => x.counted && x.outcome === 'finished');
  return {
    ...s,
    renders: finished.length,
    failedRenders: r.renders.filter((x) => x.counted && x.outcome === 'failed').length,
    renderSeconds: finished.map((x) => x.seconds),
    missed: r.expected ? r.missed / r.expected : NaN,
    missedCount: r.missed,
    expected: r.expected,
    drops: r.drops,
    dropReasons: r.dropReasons,
    delivered: r.previewsSent ? s.n / r.previewsSent : NaN,
  };
}

/** Least-squares slope of RSS over time, in MiB per minute. */
function slope(samples) {
  if (samples.length < 2) return NaN;
  const xs = samples.map((s) => s.t / 60_000);
  const ys = samples.map((s) => s.rss);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return num / den;
}

/**
 * Growth of the RSS high-water mark (the largest sample so far) over the first and the last third
 * of `samples`, in MiB/min. The high-water mark, not RSS itself: a garbage collection drops RSS
 * now and then, and a fitted slope then says more about when the collections fell than about growth.
 */
export function highWaterSlopes(samples) {
  let top = -Infinity;
  const hw = samples.map((s) => ({ t: s.t, rss: (top = Math.max(top, s.rss)) }));
  const third = (hw.at(-1).t - hw[0].t) / 3;
  return {
    firstSlope: slope(between(hw, hw[0].t, hw[0].t + third)),
    lastSlope: slope(between(hw, hw.at(-1).t - third, hw.at(-1).t)),
  };
}

/** The RSS samples taken from `from` to `to` (ms since the epoch). */
const between = (samples, from, to) => samples.filter((s) => s.t >= from && s.t <= to);

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'reelcraft-load-bench-'));
  let server = null;
  let sampling = null;
  const t0 = Date.now();
  try {
    const { writeTinyDiffusionPipeline } = require('../libs/inference/dist/index.js');
    const modelsDir = join(dir, 'models');
    await writeTinyDiffusionPipeline(join(modelsDir, 'diffusion', 'tiny-sd'));
    const port = await freePort();
    server = await startOurServer(join(dir, 'data'), port, {
      DATABASE_URL: '',
      REDIS_URL: '',
      MODELS_DIR: modelsDir,
      // Small and short: renders must run (and send progress), not dominate the machine.
      RENDER_WIDTH: '128',
      RENDER_HEIGHT: '72',
      RENDER_FPS: '8',
      LOG_LEVEL: 'warn',
    });
    const base = `http://127.0.0.1:${port}`;
    const rss = [];
    let sampleNow = true;
    sampling = (async () => {
      while (sampleNow) {
        rss.push({ t: Date.now(), rss: rssMiB(server.pid) });
        await sleep(RSS_EVERY_MS);
      }
    })();
    sampling.catch(() => undefined);

    console.log(`\nReelcraft load bench — ${new Date().toISOString()} — ${cpus().length} × ${cpus()[0]?.model.trim()} — node ${process.version}`);
    const admin = await login(base, 'admin', ADMIN_PASSWORD);
    const models = await api(base, 'GET', '/api/admin/models', admin);
    if (!models.diffusion?.some((m) => m.ok)) throw new Error(`the server did not accept the tiny diffusion export: ${JSON.stringify(models.diffusion)}`);

    // Users, the storyboards they share (and one more for the baseline pair), a project of each user's own.
    const users = Array.from({ length: USERS }, (_, i) => ({ username: userName(i), password: PASSWORD }));
    await limited(4, users.map((u) => () => api(base, 'POST', '/api/users', admin, u)));
    const boards = await limited(
      4,
      PROMPTS.slice(0, STORYBOARDS + 1).map((prompt, i) => async () => (await api(base, 'POST', '/api/projects', admin, { name: `load storyboard ${i + 1}`, prompt })).id),
    );
    for (const id of boards) {
      await until(`the planner to write storyboard ${id}`, async () => (await api(base, 'GET', `/api/projects/${id}/storyboard`, admin).catch(() => null))?.scenes?.length >= 5, 60_000, 200);
    }
    await limited(8, boards.flatMap((id) => users.map((u) => () => api(base, 'POST', `/api/projects/${id}/members`, admin, { username: u.username, role: 'editor' }))));
    const own = await limited(
      4,
      users.map((u, i) => async () => (await api(base, 'POST', '/api/projects', await login(base, u.username, u.password), { name: `load own ${i + 1}` })).id),
    );
    const shared = boards.slice(0, STORYBOARDS);
    const pairBoard = boards[STORYBOARDS];
    // A render reuses the takes of unchanged scenes (the scene cache); between two renders of a
    // storyboard its five editors have each changed a scene of their own, so each render draws those again.
    const starter = { username: 'admin', password: ADMIN_PASSWORD };
    const apiClients = (n) => Array.from({ length: n }, (_, i) => ({ ...users[i % USERS], own: own[i % USERS], shared }));
    const schedule = (seconds, warmup) => {
      const startAt = Date.now() + 3000;
      return { startAt, measureFrom: startAt + warmup * 1000, endAt: startAt + (warmup + seconds) * 1000 };
    };
    const limit = (s) => (s.endAt - Date.now()) + DRAIN_MS + RENDER_TIMEOUT_MS + 60_000;
    // One render first, unmeasured: the render worker starts and loads the model once, for every phase after.
    const warm = await api(base, 'POST', `/api/projects/${pairBoard}/render`, admin);
    const warmed = await until('the warm-up render', async () => {
      const t = await api(base, 'GET', `/api/tasks/${warm.task_id}`, admin);
      return ['completed', 'failed', 'cancelled'].includes(t.status) && t;
    }, RENDER_TIMEOUT_MS, 200);
    if (warmed.status !== 'completed') throw new Error(`the warm-up render ended ${warmed.status}: ${JSON.stringify(warmed.result ?? warmed.error ?? null)}`);
    const idleRss = rssMiB(server.pid);

    // Baselines, one after the other, each alone.
    console.log(`baselines (${BASELINE_SECONDS} s each, alone): one API client, one pair of editors, one watcher of renders`);
    let s = schedule(BASELINE_SECONDS, 0);
    const apiBase = apiFigures(await runRole('api', { base, clients: apiClients(1), think: BASELINE_THINK_MS, ...s }, limit(s)));
    s = schedule(BASELINE_SECONDS, 0);
    const pair = [0, 1].map((k) => ({ room: pairBoard, scene: k, username: users[k].username }));
    const editBase = editFigures(
      await runRole('editors', { url: `ws://127.0.0.1:${port}/collab`, editors: await withTokens(base, pair), cps: CHARS_PER_SECOND, ...s }, limit(s)),
    );
    s = schedule(BASELINE_SECONDS, 0);
    const watchBase = watchFigures(await runRole('watchers', { base, watchers: users.slice(0, 1), rooms: shared, starter, ...s }, limit(s)));

    // The load: everything at once.
    console.log(`load: ${API_CLIENTS} API clients, ${EDITORS} editors over ${STORYBOARDS} storyboards, ${WATCHERS} watchers of renders; ${WARMUP_SECONDS} s warm-up + ${LOAD_SECONDS - WARMUP_SECONDS} s measured`);
    const beforeRss = rssMiB(server.pid);
    const editorList = Array.from({ length: EDITORS }, (_, i) => ({ room: shared[i % STORYBOARDS], scene: Math.floor(i / STORYBOARDS), username: users[i % USERS].username }));
    const editorsWithTokens = await withTokens(base, editorList);
    s = schedule(LOAD_SECONDS - WARMUP_SECONDS, WARMUP_SECONDS);
    const load = s;
    const [apiLoad, editLoad, watchLoad] = await Promise.all([
      runRole('api', { base, clients: apiClients(API_CLIENTS), think: THINK_MS, ...s }, limit(s)).then(apiFigures),
      runRole('editors', { url: `ws://127.0.0.1:${port}/collab`, editors: editorsWithTokens, cps: CHARS_PER_SECOND, ...s }, limit(s)).then(editFigures),
      runRole('watchers', { base, watchers: users.slice(0, WATCHERS), rooms: shared, starter, ...s }, limit(s)).then(watchFigures),
    ]);
    sampleNow = false;
    await sampling;
    const endRss = rssMiB(server.pid);
    const measured = between(rss, load.measureFrom, load.endAt);
    const { firstSlope, lastSlope } = highWaterSlopes(measured);
    const atWarmup = measured[0].rss;
    const atEnd = between(rss, 0, load.endAt).at(-1).rss;
    const slopeLimit = Math.max(TARGETS.rssSlopeFloorMiBPerMin, firstSlope / 2);
    const levelsOff = lastSlope <= slopeLimit;

    const ms = (v) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : Number.isNaN(v) ? 'n/a' : 'lost');
    const pct = (v) => (Number.isFinite(v) ? `${(v * 100).toFixed(2)} %` : 'n/a');
    console.log(`\nLoad on one server (embedded mode), ${LOAD_SECONDS - WARMUP_SECONDS} s measured after ${WARMUP_SECONDS} s of warm-up; ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)}:`);
    console.table([
      { what: 'API requests, 1 client (baseline)', count: apiBase.n, p50: ms(apiBase.p50), p99: ms(apiBase.p99), max: ms(apiBase.max), failed: pct(apiBase.failed), '4xx': apiBase.clientErrors },
      { what: `API requests, ${API_CLIENTS} clients`, count: apiLoad.n, p50: ms(apiLoad.p50), p99: ms(apiLoad.p99), max: ms(apiLoad.max), failed: pct(apiLoad.failed), '4xx': apiLoad.clientErrors },
      { what: 'edit propagation, 1 pair (baseline)', count: editBase.received, p50: ms(editBase.p50), p99: ms(editBase.p99), failed: pct(editBase.lost), drops: editBase.drops },
      { what: `edit propagation, ${EDITORS} editors`, count: editLoad.received, p50: ms(editLoad.p50), p99: ms(editLoad.p99), failed: pct(editLoad.lost), drops: editLoad.drops },
      { what: 'render preview → watcher, 1 watcher (baseline)', count: watchBase.n, p50: ms(watchBase.p50), p99: ms(watchBase.p99), max: ms(watchBase.max), failed: pct(watchBase.missed), drops: watchBase.drops },
      { what: `render preview → watcher, ${WATCHERS} watchers`, count: watchLoad.n, p50: ms(watchLoad.p50), p99: ms(watchLoad.p99), max: ms(watchLoad.max), failed: pct(watchLoad.missed), drops: watchLoad.drops },
    ]);
    console.log(`API requests by kind under load (ms):`);
    console.table(
      Object.entries(apiLoad.perOp).map(([op, st]) => {
        const f = summary(st.latencies);
        return { op, count: f.n, p50: ms(f.p50), p99: ms(f.p99), max: ms(f.max), '4xx': st.clientErrors, '5xx': st.serverErrors, 'no answer': st.noAnswer };
      }),
    );
    for (const e of [...apiBase.firstErrors, ...apiLoad.firstErrors].slice(0, 5)) console.log(`  first error: ${e}`);
    if (editLoad.drops || editBase.drops) console.log(`  editor connections closed: ${JSON.stringify({ ...editBase.closeCodes, ...editLoad.closeCodes })}`);
    if (watchLoad.drops || watchBase.drops) console.log(`  watcher sockets dropped: ${JSON.stringify({ ...watchBase.dropReasons, ...watchLoad.dropReasons })}`);
    console.log(
      `renders: ${watchBase.renders} alone (${watchBase.renderSeconds.map((x) => x.toFixed(1)).join(', ')} s), ${watchLoad.renders} under load (${watchLoad.renderSeconds.map((x) => x.toFixed(1)).join(', ')} s), ` +
        `${watchLoad.failedRenders + watchBase.failedRenders} failed; previews are volatile: ${pct(watchLoad.delivered)} delivered under load, ${pct(watchBase.delivered)} alone`,
    );
    console.log(
      `server RSS (MiB): idle ${idleRss.toFixed(0)}, before the load ${beforeRss.toFixed(0)}, after warm-up ${atWarmup.toFixed(0)}, at the end ${atEnd.toFixed(0)} (${endRss.toFixed(0)} after the clients left); ` +
        `high-water growth first third ${firstSlope.toFixed(2)} MiB/min, last third ${lastSlope.toFixed(2)} MiB/min: ${levelsOff ? 'levels off' : 'does NOT level off'} (limit ${slopeLimit.toFixed(2)})`,
    );
    const every10s = rss.filter((x, i) => i % Math.round(10_000 / RSS_EVERY_MS) === 0 && x.t >= load.startAt - 10_000 && x.t <= load.endAt);
    console.log(`server RSS every 10 s from just before the load (MiB): ${every10s.map((x) => x.rss.toFixed(0)).join(' ')}`);
    console.log(`load bench took ${((Date.now() - t0) / 1000).toFixed(0)} s`);

    const bench = 'load';
    const quiet = (what) => `${what} alone, same run`;
    return [
      compare({ bench, figure: `API p99, ${API_CLIENTS} clients looping over the studio's requests`, value: apiLoad.p99, unit: 'ms', baseline: apiBase.p99, baselineLabel: quiet('1 client'), target: valueAtMost(TARGETS.apiP99Ms) }),
      compare({ bench, figure: 'API p50, the same', value: apiLoad.p50, unit: 'ms', baseline: apiBase.p50, baselineLabel: quiet('1 client') }),
      compare({
        bench,
        figure: 'API requests failed (5xx or no answer)',
        value: apiLoad.failed * 100,
        unit: '%',
        baseline: apiBase.failed * 100,
        baselineLabel: quiet('1 client'),
        target: valueAtMost(0),
        note: `${apiLoad.n} requests, ${apiLoad.clientErrors} answered 4xx`,
      }),
      compare({ bench, figure: `edit propagation p99, ${EDITORS} editors over ${STORYBOARDS} storyboards`, value: editLoad.p99, unit: 'ms', baseline: editBase.p99, baselineLabel: quiet('one pair of editors'), target: valueAtMost(TARGETS.editP99Ms) }),
      compare({ bench, figure: 'edit propagation p50, the same', value: editLoad.p50, unit: 'ms', baseline: editBase.p50, baselineLabel: quiet('one pair of editors') }),
      compare({ bench, figure: `edits lost (not at another editor within ${DRAIN_MS / 1000} s)`, value: editLoad.lost * 100, unit: '%', baseline: editBase.lost * 100, baselineLabel: quiet('one pair of editors'), target: valueAtMost(0), note: `${editLoad.expected} expected receipts` }),
      compare({ bench, figure: `render preview → watcher p99, ${WATCHERS} watchers`, value: watchLoad.p99, unit: 'ms', baseline: watchBase.p99, baselineLabel: quiet('1 watcher'), target: valueAtMost(TARGETS.previewP99Ms), note: `${watchLoad.renders} renders` }),
      compare({ bench, figure: 'render preview → watcher p50, the same', value: watchLoad.p50, unit: 'ms', baseline: watchBase.p50, baselineLabel: quiet('1 watcher') }),
      compare({ bench, figure: 'render:progress and task:finished events a watcher missed', value: watchLoad.missed * 100, unit: '%', baseline: watchBase.missed * 100, baselineLabel: quiet('1 watcher'), target: valueAtMost(0), note: `${watchLoad.expected} expected` }),
      compare({
        bench,
        figure: `sockets dropped (${EDITORS} editors and ${WATCHERS} watchers)`,
        value: editLoad.drops + watchLoad.drops,
        baseline: editBase.drops + watchBase.drops,
        baselineLabel: quiet('one pair and one watcher'),
        target: valueAtMost(0),
      }),
      compare({
        bench,
        figure: 'server RSS high-water growth, last third of the load (MiB/min)',
        value: lastSlope,
        baseline: firstSlope,
        baselineLabel: 'first third, same run',
        target: valueAtMost(slopeLimit, `levels off: ≤ half the first third's, or ≤ ${TARGETS.rssSlopeFloorMiBPerMin} MiB/min`),
      }),
      compare({ bench, figure: 'server RSS at the end of the load', value: atEnd, unit: 'MiB', baseline: beforeRss, baselineLabel: 'before the load', note: `${atWarmup.toFixed(0)} MiB after warm-up` }),
    ];
  } catch (err) {
    if (server?.log) console.error(server.log().slice(-4000));
    throw err;
  } finally {
    for (const child of forks) child.kill('SIGKILL');
    if (server) await stopProcess(server.child, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withTokens(base, list) {
  return limited(8, list.map((e) => async () => ({ ...e, token: await login(base, e.username, PASSWORD) })));
}

if (isMain(import.meta.url)) {
  if (process.argv.includes('--role')) {
    const role = ROLES[process.argv[process.argv.indexOf('--role') + 1]];
    process.once('message', async (work) => {
      try {
        const value = await role(work);
        process.send({ ok: true, value }, () => process.exit(0));
      } catch (err) {
        process.send({ ok: false, error: err.stack ?? String(err) }, () => process.exit(1));
      }
    });
  } else await run();
}
