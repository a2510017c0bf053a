// Preview latency benchmark (issue 13): how late a diffusion render's step previews reach the people
// watching it, and whether a watcher that stops reading slows the render down.
//
// The real server (apps/server/dist/main.js, SQLite in a temporary DATA_DIR) renders with a small
// random-weight ONNX diffusion export that the inference library's own test generator writes
// (writeTinyDiffusionPipeline, the "larger" toy of `npm run bench diffusion`: 64 channels,
// 32×32 latents), so every sampling step can send a preview, throttled by the worker as always
// (first step, about one a second, last step of each scene). Socket.IO clients on loopback join
// the task's project room; each preview carries `at`, the moment the render worker made it
// (Date.now() in the worker process), and each client notes Date.now() when it receives it: the
// latency is worker → server (IPC) → Socket.IO → client, all on this machine's one clock.
//
//  - baseline: one watcher, in the same run;
//  - 20 watchers: p50 / p99 / max over every (watcher, preview) pair. Target p99 ≤ 100 ms;
//  - a slow watcher: one more client that joins and then stops reading its socket; the render's
//    wall time with it, against the renders without it (their spread is the noise).
//
// Each configuration renders ROUNDS fresh prompts, the rounds interleaved.
//
// All clients live in this one process, so their own event loop is part of what is measured (as a
// browser's would be). Prints the figures and whether the target is met; never fails on a time.
// The last line, `BENCH_JSON {…}`, is for reports to collect. Needs `npm run build` first.
//
//   node scripts/preview-bench.mjs          (also run by `npm run bench`)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';
import { compare, freePort, isMain, mean, summary, valueAtMost } from './bench-report.mjs';

const require = createRequire(import.meta.url);
const { writeTinyDiffusionPipeline } = require('../libs/inference/dist/index.js');

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const TARGET_P99_MS = 100;
const WATCHERS = 20;
const ROUNDS = 3;
const PASSWORD = 'preview-bench-admin-password';
const PROMPTS = ['A harbour at dawn: boats, gulls and a lighthouse', 'A fox crosses a snowy field at dusk', 'Rain on a city street at night, neon signs', 'A forest river with small animals drinking', 'Kites over a green hill in spring'];

/** The built server as `npm start` runs it, with its own data folder and the toy model. */
async function startServer(dir, modelsDir) {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'apps/server/dist/main.js')], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: join(dir, 'data'),
      MODELS_DIR: modelsDir,
      REELCRAFT_ADMIN_PASSWORD: PASSWORD,
      RENDER_WIDTH: '256',
      RENDER_HEIGHT: '144',
      // More frames per scene, more keyframes: longer scenes, so more previews at the worker's one a second.
      RENDER_FPS: '24',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${log}`);
    if (await fetch(`${baseUrl}/api/health`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error(`server did not answer within 60 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    baseUrl,
    log: () => log,
    stop: () =>
      new Promise((res) => {
        if (child.exitCode !== null) return res();
        child.once('exit', () => res());
        child.kill('SIGTERM');
      }),
  };
}

async function call(baseUrl, method, path, token, body) {
  const res = await fetch(baseUrl + path, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** A Socket.IO client in the project's room, noting how late each preview of `taskId` arrives. */
async function watcher(baseUrl, token, projectId, taskId) {
  const socket = io(baseUrl, { path: '/socket.io', transports: ['websocket'], auth: { token }, reconnection: false });
  const latencies = [];
  let bytes = 0;
  socket.on('render:preview', (e) => {
    if (e.task_id !== taskId) return;
    latencies.push(Date.now() - e.at);
    bytes += e.jpeg.byteLength;
  });
  await new Promise((res, rej) => {
    socket.once('connect', res);
    socket.once('connect_error', rej);
  });
  const ack = await new Promise((res) => socket.emit('project:join', { project_id: projectId }, res));
  if (!ack.ok) throw new Error(`could not join the project room: ${ack.message}`);
  return { socket, latencies, bytes: () => bytes };
}

/** Stops reading the client's TCP socket: the server's writes to it pile up in the kernel, then stall. */
function stopReading(socket) {
  const tcp = socket.io.engine.transport.ws?._socket;
  if (!tcp) throw new Error('no TCP socket under the websocket transport');
  tcp.pause();
}

/**
 * One render of a fresh prompt (no take can be reused) while `watchers` clients (and maybe a slow
 * one) watch it: queued while the queue is paused, so every client is in the room before the first
 * step. Wall time: from resuming the queue to `task:finished` on a watcher.
 */
async function render(server, token, run, { watchers, slow }) {
  await call(server.baseUrl, 'POST', '/api/admin/queue/pause', token);
  const { task_id: taskId } = await call(server.baseUrl, 'POST', '/api/tasks', token, { prompt: `${PROMPTS[run % PROMPTS.length]} (take ${run})` });
  const { project_id: projectId } = await call(server.baseUrl, 'GET', `/api/tasks/${taskId}`, token);
  const clients = [];
  for (let i = 0; i < watchers; i++) clients.push(await watcher(server.baseUrl, token, projectId, taskId));
  const slowClient = slow ? await watcher(server.baseUrl, token, projectId, taskId) : null;
  if (slowClient) stopReading(slowClient.socket);
  const finished = new Promise((res, rej) => {
    clients[0].socket.on('task:finished', (e) => e.task_id === taskId && res());
    clients[0].socket.on('task:failed', (e) => e.task_id === taskId && rej(new Error(`the render failed: ${e.error}`)));
  });
  const t0 = performance.now();
  await call(server.baseUrl, 'POST', '/api/admin/queue/resume', token);
  await finished;
  const wallS = (performance.now() - t0) / 1000;
  // Previews sent just before the end may still be on their way.
  await new Promise((r) => setTimeout(r, 300));
  for (const c of [...clients, slowClient].filter(Boolean)) c.socket.disconnect();
  return { wallS, previews: clients[0].latencies.length, previewBytes: clients[0].bytes(), latencies: clients.flatMap((c) => c.latencies) };
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'reelcraft-preview-bench-'));
  let server = null;
  try {
    const modelsDir = join(dir, 'models');
    await writeTinyDiffusionPipeline(join(modelsDir, 'diffusion', 'toy-sd'), { latentSize: 32, channels: 64 });
    server = await startServer(dir, modelsDir);
    const { token } = await call(server.baseUrl, 'POST', '/api/users/login', undefined, { username: 'admin', password: PASSWORD });
    const models = await call(server.baseUrl, 'GET', '/api/admin/models', token);
    if (!models.diffusion?.some((m) => m.ok)) throw new Error(`the server did not accept the toy diffusion export: ${JSON.stringify(models.diffusion)}`);

    // Warm-up: the worker pool starts and loads the model; nothing measured.
    let take = 0;
    await render(server, token, take++, { watchers: 1, slow: false });
    // Rounds alternate, so a drift of the machine's speed during the run touches both kinds alike.
    const one = [];
    const crowd = [];
    const slowed = [];
    for (let round = 0; round < ROUNDS; round++) {
      one.push(await render(server, token, take++, { watchers: 1, slow: false }));
      crowd.push(await render(server, token, take++, { watchers: WATCHERS, slow: false }));
      slowed.push(await render(server, token, take++, { watchers: WATCHERS, slow: true }));
    }

    const base = summary(one.flatMap((r) => r.latencies));
    const many = summary(crowd.flatMap((r) => r.latencies));
    const manyWithSlow = summary(slowed.flatMap((r) => r.latencies));
    const count = (runs) => runs.reduce((n, r) => n + r.previews, 0);
    const ms = (v) => `${v} ms`;
    console.log(`\nPreview latency, render worker → Socket.IO clients on loopback (toy diffusion export, 256×144, ${ROUNDS} renders each; ${cpus().length} × ${cpus()[0]?.model.trim()}):`);
    console.table([
      { watchers: '1 (baseline)', previews: count(one), deliveries: base.n, p50: ms(base.p50), p99: ms(base.p99), max: ms(base.max) },
      { watchers: String(WATCHERS), previews: count(crowd), deliveries: many.n, p50: ms(many.p50), p99: ms(many.p99), max: ms(many.max) },
      { watchers: `${WATCHERS} + 1 not reading`, previews: count(slowed), deliveries: manyWithSlow.n, p50: ms(manyWithSlow.p50), p99: ms(manyWithSlow.p99), max: ms(manyWithSlow.max) },
    ]);
    const met = many.p99 <= TARGET_P99_MS;
    console.log(`p99 with ${WATCHERS} watchers: ${many.p99} ms (target ≤ ${TARGET_P99_MS} ms: ${met ? 'met' : 'not met'}); baseline, one watcher: ${base.p99} ms`);

    const without = crowd.map((r) => r.wallS);
    const withSlow = slowed.map((r) => r.wallS);
    const spread = (xs) => Math.max(...xs) - Math.min(...xs);
    const slowedBy = mean(withSlow) - mean(without);
    // Within noise: slower by no more than the renders without it differ among themselves (or 5 %).
    const noise = Math.max(spread(without), 0.05 * mean(without));
    const withinNoise = slowedBy <= noise;
    const unread = slowed.reduce((n, r) => n + r.previewBytes, 0);
    console.table([
      { render: `${WATCHERS} watchers`, 'wall (s)': without.map((s) => s.toFixed(2)).join(' / ') },
      { render: `${WATCHERS} watchers + one that stopped reading`, 'wall (s)': withSlow.map((s) => s.toFixed(2)).join(' / ') },
    ]);
    console.log(
      `a watcher that stops reading: the render ${slowedBy >= 0 ? '+' : ''}${slowedBy.toFixed(2)} s on average (noise: ${noise.toFixed(2)} s): ${withinNoise ? 'within noise' : 'NOT within noise'}; ` +
        `it was sent ${(unread / 1024).toFixed(0)} KiB of previews it never read (loopback socket buffers hold megabytes, so the server's writes to it did not block in this run)`,
    );
    console.log(
      `BENCH_JSON ${JSON.stringify({
        bench: 'preview',
        date: new Date().toISOString(),
        cpu: cpus()[0]?.model.trim(),
        watchers: WATCHERS,
        renders_per_config: ROUNDS,
        previews: count(crowd),
        latency_ms: many,
        latency_with_slow_watcher_ms: manyWithSlow,
        baseline_one_watcher_ms: base,
        target_p99_ms: TARGET_P99_MS,
        target_met: met,
        wall_s: { without_slow: without, with_slow: withSlow },
        slow_client_within_noise: withinNoise,
        slow_client_unread_bytes: unread,
      })}`,
    );

    const bench = 'preview';
    const oneWatcher = 'one watcher';
    return [
      compare({ bench, figure: `step preview to ${WATCHERS} Socket.IO watchers, p99`, value: many.p99, unit: 'ms', baseline: base.p99, baselineLabel: oneWatcher, target: valueAtMost(TARGET_P99_MS) }),
      compare({ bench, figure: `step preview to ${WATCHERS} watchers, p50`, value: many.p50, unit: 'ms', baseline: base.p50, baselineLabel: oneWatcher }),
      compare({
        bench,
        figure: `render wall time with one more watcher that stops reading (mean of ${ROUNDS})`,
        value: mean(withSlow),
        unit: 's',
        baseline: mean(without),
        baselineLabel: `${WATCHERS} watchers that all read`,
        target: valueAtMost(mean(without) + noise, `within noise (≤ baseline + ${noise.toFixed(2)} s)`),
      }),
    ];
  } catch (err) {
    if (server) console.error(server.log().slice(-4000));
    throw err;
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await run();
