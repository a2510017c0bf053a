import { ConsoleLogger } from '@nestjs/common';
import { COLLAB_CLOSE, newScene, type Storyboard } from '@reelcraft/shared';
import fc from 'fast-check';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CollabDocuments } from '../../src/collab/collab-documents';
import { StoryboardStore } from '../../src/projects/storyboard-store';
import { ADMIN_PASSWORD, apiClient, defaultTestDatabase, login, startTestApp, type TestApp } from '../../src/testing/test-app';
import { connectEditor, synced } from '../support/collab-clients';
import { hostileBody, hostileJson, hostileQuery, hostileSegment, hostileString, jsonContentType, toJsonText, type Body } from './arbitraries';
import { collabInput, PROBE, type Frame } from './yjs-frames';
import { closeAgent, leakIn, rawHttp, rawSocket, send, sendFrame, sleep, type RawSocket } from './wire';

/**
 * Issue 15, hostile inputs: generated malformed and hostile inputs (fast-check) sent to a real
 * running server over every edge it has: REST bodies, query strings and paths, headers and raw
 * HTTP, multipart uploads, Socket.IO (a real client, and raw engine.io packets) and /collab Yjs
 * frames including awareness. For every input: no 5xx, no stack trace or source path in any
 * answer, no error in the server's log, no uncaught exception or unhandled rejection in the
 * process, and the server still answers its health check. At the end a normal signed-in request
 * and a stock collab client still work.
 *
 * Reproducible by default (a fixed seed); HOSTILE_SEED=<int> draws other inputs, and
 * HOSTILE_SCALE=<factor> multiplies the number of runs of every family. A failure prints the
 * seed and the shrunk input that reproduces it. What they found is kept in regressions.spec.ts.
 */

const SEED = Number.parseInt(process.env.HOSTILE_SEED ?? '', 10) || 15_2026;
const SCALE = Number(process.env.HOSTILE_SCALE ?? '') || 1;
/** Runs per family at scale 1; they add up to well over the 1,000 inputs the issue asks for. */
const RUNS = { rest: 420, query: 220, headers: 170, multipart: 120, socketio: 140, engineio: 140, collab: 260 } as const;
type Family = keyof typeof RUNS;
const runsOf = (f: Family) => Math.max(1, Math.round(RUNS[f] * SCALE));

/** The Nest logger of the app under test: every error line it writes is a finding. */
class RecordingLogger extends ConsoleLogger {
  readonly errors: string[] = [];
  override error(message: unknown, ...rest: unknown[]): void {
    this.errors.push(String(message));
    super.error(message, ...rest);
  }
}

function storyboard(): Storyboard {
  return {
    title: 'Hostile harbour',
    language: 'en',
    style: { style_prompt: '', negative_prompt: '', seed: 0, aspect: '16:9', width: 640, height: 360, fps: 24 },
    characters: [],
    music: { enabled: false, track_name: '', file_id: null, volume: 0.8, fade_in_sec: 1, fade_out_sec: 2 },
    scenes: ['boats leave the harbour', 'gulls circle the mast', 'night falls'].map((description) => newScene({ description })),
  };
}

interface Route {
  method: 'POST' | 'PUT' | 'PATCH';
  path: string;
  who: 'alice' | 'admin' | 'worker' | 'nobody';
  base: Record<string, unknown>;
}

describe('hostile inputs', () => {
  let t: TestApp;
  let port: number;
  const logger = new RecordingLogger('Reelcraft', { logLevels: ['error', 'warn'] });
  const crashes: string[] = [];
  const counts: Record<Family, number> = { rest: 0, query: 0, headers: 0, multipart: 0, socketio: 0, engineio: 0, collab: 0 };
  const tokens: Record<'alice' | 'admin' | 'worker', string> = { alice: '', admin: '', worker: '' };
  const ids = { p1: '', p2: '', scene: '', version: '', task: '', bob: '', dora: '', rule: '' };
  /** What the server answered, per family (status codes, close codes): printed at the end, to show the inputs went deep. */
  const outcomes: Record<Family, Map<string, number>> = { rest: new Map(), query: new Map(), headers: new Map(), multipart: new Map(), socketio: new Map(), engineio: new Map(), collab: new Map() };
  const note = (f: Family, outcome: string | number | null) => outcomes[f].set(String(outcome), (outcomes[f].get(String(outcome)) ?? 0) + 1);
  const onCrash = (err: unknown) => crashes.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
  const started = Date.now();

  const authHeaders = (who: Route['who']): Record<string, string> => (who === 'nobody' ? {} : { authorization: `Bearer ${tokens[who]}` });

  /** The answer must be below 500 and leak nothing; the server's log must have stayed clean. */
  function expectSound(what: string, reply: { status: number | null; text: string }): void {
    if (reply.status !== null && reply.status >= 500) throw new Error(`${what}: answered ${reply.status}: ${reply.text.slice(0, 300)}`);
    const leak = leakIn(reply.text) ?? (reply.text.includes(t.config.dataDir) ? 'server file path' : null);
    if (leak) throw new Error(`${what}: the answer leaks a ${leak}: ${reply.text.slice(0, 300)}`);
    expectQuiet(what);
  }

  /**
   * Each finding is reported once, against the input that was just sent (a late log line lands on
   * the next one): taken out of the lists, so that fast-check's shrinking sees which inputs fail.
   */
  function expectQuiet(what: string): void {
    const logged = logger.errors.splice(0);
    if (logged.length) throw new Error(`${what}: the server logged an error: ${logged.join(' | ').slice(0, 500)}`);
    const crashed = crashes.splice(0);
    if (crashed.length) throw new Error(`${what}: the process had an uncaught error: ${crashed.join(' | ')}`);
  }

  async function expectHealthy(what: string): Promise<void> {
    const r = await send(t.baseUrl, 'GET', '/api/health', {});
    if (r.status !== 200) throw new Error(`after ${what}: /api/health answered ${r.status}: ${r.text.slice(0, 200)}`);
  }

  /** One family: a property over `arb` with the fixed seed; `each` sends one input and checks it. */
  async function family<T>(name: Family, arb: fc.Arbitrary<T>, each: (input: T) => Promise<void>): Promise<void> {
    await fc.assert(
      fc.asyncProperty(arb, async (input) => {
        counts[name]++;
        await each(input);
      }),
      { seed: SEED, numRuns: runsOf(name) },
    );
  }

  beforeAll(async () => {
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    t = await startTestApp(defaultTestDatabase(), {
      RENDER_WIDTH: '160',
      RENDER_HEIGHT: '90',
      RENDER_FPS: '8',
      // So that an oversized upload is a megabyte, not a hundred.
      UPLOAD_MAX_MB: '1',
      // The sign-in route is fuzzed like any other: its throttle must not turn every later try into a 429 or a delay.
      LOGIN_ADDRESS_MAX_FAILURES: '1000000',
      LOGIN_USER_SLOW_AFTER: '1000000',
    });
    t.app.useLogger(logger);
    port = Number(new URL(t.baseUrl).port);
    tokens.admin = await login(t.baseUrl, 'admin', ADMIN_PASSWORD);
    const admin = apiClient(t.baseUrl, tokens.admin);
    // Nothing renders while hostile bodies create tasks: the queue waits.
    expect((await admin('POST', '/api/admin/queue/pause')).status).toBe(200);
    for (const name of ['alice', 'bob', 'dora']) {
      const res = await admin('POST', '/api/users', { username: name, password: `${name}-password` });
      expect(res.status).toBe(201);
      if (name !== 'alice') ids[name as 'bob' | 'dora'] = res.json.id;
    }
    tokens.alice = await login(t.baseUrl, 'alice', 'alice-password');
    const alice = apiClient(t.baseUrl, tokens.alice);
    const store = t.app.get(StoryboardStore);
    for (const key of ['p1', 'p2'] as const) {
      ids[key] = (await alice('POST', '/api/projects', { name: `Hostile ${key}` })).json.id;
      await store.initialise(ids[key], storyboard());
    }
    expect((await alice('POST', `/api/projects/${ids.p1}/members`, { username: 'bob', role: 'editor' })).status).toBe(201);
    ids.scene = (await alice('GET', `/api/projects/${ids.p1}/storyboard`)).json.scenes[0].id;
    ids.version = (await alice('POST', `/api/projects/${ids.p1}/versions`, { name: 'before the storm' })).json.id;
    ids.task = (await alice('POST', '/api/tasks', { prompt: 'a lighthouse in fog' })).json.task_id;
    ids.rule = (await admin('POST', '/api/admin/filter-rules', { pattern: 'zzqqxx', category: 'test', action: 'block' })).json.id;
    tokens.worker = (await admin('POST', '/api/admin/worker-tokens', { name: 'hostile-worker' })).json.token;
    for (const v of [...Object.values(ids), ...Object.values(tokens)]) expect(v).toBeTruthy();
  });

  afterAll(async () => {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    closeAgent();
    await t?.close();
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    console.log(
      `hostile inputs (seed ${SEED}, ${defaultTestDatabase()}): ${Object.entries(counts).map(([f, n]) => `${f} ${n}`).join(', ')}; total ${total} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    for (const [f, m] of Object.entries(outcomes)) console.log(`  ${f}: ${[...m].sort((a, b) => b[1] - a[1]).map(([o, n]) => `${o}×${n}`).join(' ')}`);
  });

  it('REST bodies: wrong types, prototype keys, huge and deep values, broken UTF-8 and JSON on every body route', async () => {
    const routes: Route[] = [
      { method: 'POST', path: '/api/users/login', who: 'nobody', base: { username: 'nobody-here', password: 'wrong-password' } },
      { method: 'POST', path: '/api/projects', who: 'alice', base: { name: 'Film' } },
      { method: 'PATCH', path: `/api/projects/${ids.p1}`, who: 'alice', base: { name: 'Renamed' } },
      { method: 'POST', path: `/api/projects/${ids.p1}/members`, who: 'alice', base: { username: 'bob', role: 'editor' } },
      { method: 'PATCH', path: `/api/projects/${ids.p1}/members/${ids.bob}`, who: 'alice', base: { role: 'editor' } },
      { method: 'POST', path: `/api/projects/${ids.p1}/scenes/${ids.scene}/rewrite`, who: 'alice', base: { instruction: 'make it rain' } },
      { method: 'POST', path: `/api/projects/${ids.p1}/versions`, who: 'alice', base: { name: 'v2' } },
      { method: 'POST', path: '/api/tasks', who: 'alice', base: { prompt: 'a quiet harbour', aspect: '16:9' } },
      { method: 'POST', path: '/api/tasks/batch', who: 'alice', base: { prompts: ['one', 'two'], size: '360' } },
      { method: 'POST', path: '/api/users', who: 'admin', base: { username: 'someone', password: 'long-enough-password', role: 'user' } },
      { method: 'PATCH', path: `/api/users/${ids.dora}`, who: 'admin', base: { disabled: false, max_running_tasks: 2 } },
      { method: 'POST', path: `/api/users/${ids.dora}/password`, who: 'admin', base: { password: 'another-long-password' } },
      { method: 'PATCH', path: `/api/admin/tasks/${ids.task}`, who: 'admin', base: { priority: 5 } },
      { method: 'POST', path: '/api/admin/filter-rules', who: 'admin', base: { pattern: 'qqzzyy', kind: 'word', category: 'test', action: 'block', stages: ['prompt'], enabled: true } },
      { method: 'PATCH', path: `/api/admin/filter-rules/${ids.rule}`, who: 'admin', base: { enabled: true, category: 'test' } },
      { method: 'POST', path: '/api/admin/filter-rules/test', who: 'admin', base: { text: 'some text', stage: 'prompt' } },
      { method: 'POST', path: '/api/admin/filter-rules/import', who: 'admin', base: { format: 'lines', text: 'qqzzyy1\nqqzzyy2', category: 'test', action: 'block' } },
      { method: 'POST', path: `/api/admin/reviews/${ids.task}/approve`, who: 'admin', base: { note: 'fine' } },
      { method: 'POST', path: `/api/admin/reviews/${ids.task}/reject`, who: 'admin', base: { note: 'no' } },
      { method: 'POST', path: '/api/admin/worker-tokens', who: 'admin', base: { name: 'w2' } },
      { method: 'POST', path: '/api/workers/heartbeat', who: 'worker', base: { worker_id: 'h:1:x', host: 'h', pid: 1, device: 'cpu', slots: 1, models: [], job: null } },
      { method: 'PUT', path: '/api/workers/jobs/job-1/files/clip.mp4', who: 'worker', base: { bytes: 'x' } },
    ];
    const arb = fc.constantFrom(...routes).chain((route) => fc.record({ route: fc.constant(route), body: hostileBody(route.base), type: jsonContentType }));
    await family('rest', arb, async ({ route, body, type }: { route: Route; body: Body; type: string }) => {
      const headers: Record<string, string> = { ...authHeaders(route.who), ...(type ? { 'content-type': type } : {}) };
      const reply = await send(t.baseUrl, route.method, route.path, headers, body);
      note('rest', reply.status);
      expectSound(`${route.method} ${route.path}`, reply);
    });
    await expectHealthy('the REST bodies');
  });

  it('query strings and path segments: unknown keys, arrays, nested brackets, broken escapes on every GET route', async () => {
    const p = ids.p1;
    const gets: { path: string; keys: string[]; who: 'alice' | 'admin' }[] = [
      { path: '/api/projects', keys: ['page', 'page_size', 'scope'], who: 'alice' },
      { path: '/api/tasks', keys: ['page', 'page_size'], who: 'alice' },
      { path: `/api/projects/${p}/renders`, keys: ['page', 'page_size'], who: 'alice' },
      { path: `/api/projects/${p}/versions/${ids.version}/diff`, keys: ['against'], who: 'alice' },
      { path: `/api/tasks/${ids.task}/video`, keys: ['download'], who: 'alice' },
      { path: '/api/music', keys: ['page', 'q'], who: 'alice' },
      { path: '/api/users', keys: ['page', 'page_size', 'q'], who: 'admin' },
      { path: '/api/admin/tasks', keys: ['page', 'page_size', 'status'], who: 'admin' },
      { path: '/api/admin/filter-rules', keys: ['page', 'page_size', 'q'], who: 'admin' },
      { path: '/api/admin/filter-rules/export', keys: ['format'], who: 'admin' },
      { path: '/api/admin/reviews', keys: ['page', 'page_size', 'status'], who: 'admin' },
      { path: '/api/admin/audit', keys: ['page', 'page_size', 'username', 'kind', 'from', 'to'], who: 'admin' },
    ];
    // Paths whose ids are replaced by hostile segments (X).
    const templates: { path: string; who: 'alice' | 'admin' }[] = [
      { path: '/api/projects/X', who: 'alice' },
      { path: '/api/projects/X/storyboard', who: 'alice' },
      { path: `/api/projects/${p}/versions/X`, who: 'alice' },
      { path: `/api/projects/${p}/versions/X/diff`, who: 'alice' },
      { path: `/api/projects/${p}/scenes/X/takes`, who: 'alice' },
      { path: `/api/projects/${p}/media/X`, who: 'alice' },
      { path: `/api/projects/${p}/takes/X/clip`, who: 'alice' },
      { path: '/api/tasks/X', who: 'alice' },
      { path: `/api/tasks/${ids.task}/subtitles.X`, who: 'alice' },
      { path: `/api/tasks/${ids.task}/scenes/X/poster.jpg`, who: 'alice' },
      { path: `/api/tasks/${ids.task}/clips/X`, who: 'alice' },
      { path: '/api/music/X/file', who: 'alice' },
      { path: '/api/X', who: 'alice' },
      { path: '/X', who: 'alice' },
      { path: '/api/workers/jobs/X/chain-frame', who: 'admin' },
    ];
    const arb = fc.oneof(
      { weight: 3, arbitrary: fc.record({ route: fc.constantFrom(...gets), query: fc.constantFrom(...gets).chain((g) => hostileQuery(g.keys)) }).map(({ route, query }) => ({ path: `${route.path}?${query}`, who: route.who })) },
      { weight: 2, arbitrary: fc.record({ tpl: fc.constantFrom(...templates), seg: hostileSegment }).map(({ tpl, seg }) => ({ path: tpl.path.replace('X', seg), who: tpl.who })) },
    );
    await family('query', arb, async ({ path, who }) => {
      const reply = await send(t.baseUrl, 'GET', path, authHeaders(who));
      note('query', reply.status);
      expectSound(`GET ${path.slice(0, 200)}`, reply);
    });
    await expectHealthy('the query strings');
  });

  it('headers and raw HTTP: garbage credentials and cookies, content-type and length lies, broken framing', async () => {
    const targets = ['/api/health', '/api/users/me', '/api/projects', `/api/projects/${ids.p1}`, '/api/tasks', '/api/users/login', '/socket.io/?EIO=4&transport=polling', `/collab/${ids.p2}`, '/api/admin/status', '/api/docs-json'];
    const authValue = fc.oneof(
      fc.constantFrom('Bearer', 'Bearer ', 'Bearer  x', 'bearer ' + 'a'.repeat(64), 'Basic YWRtaW46YWRtaW4=', 'Bearer null', 'Bearer undefined', 'Bearer \t', 'Token abc', 'Bearer ' + 'x'.repeat(8000)),
      fc.string({ maxLength: 80 }).map((s) => `Bearer ${s}`),
      fc.string({ unit: 'binary-ascii', maxLength: 40 }),
    );
    const cookieValue = fc.oneof(
      fc.constantFrom('reelcraft_session=%E0%A4%A', 'reelcraft_session=', 'reelcraft_session', '=;=;=', 'reelcraft_session=a; reelcraft_session=b', 'reelcraft_session="unterminated', `reelcraft_session=${'%'.repeat(300)}`, '__proto__=1; constructor=2', ';;;;'),
      fc.string({ maxLength: 60 }).map((s) => `reelcraft_session=${s}`),
      fc.string({ unit: 'binary-ascii', maxLength: 60 }),
    );
    const contentType = fc.oneof(jsonContentType, fc.string({ maxLength: 30 }), fc.constantFrom('multipart/form-data; boundary=' + 'b'.repeat(200), 'application/json; charset="utf-8', 'text/html; charset=utf-16'));
    // Header values a parser takes (no CR/LF), and now and then bytes it should refuse.
    const headerValue = fc.oneof(
      { weight: 4, arbitrary: fc.string({ maxLength: 60 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 60 }).map((s) => s.replace(/[\r\n]/g, ' ')) },
      { weight: 1, arbitrary: fc.constantFrom('chunked', 'gzip', 'deflate', 'br', 'identity', 'chunked, gzip', '100-continue', 'websocket', 'Upgrade', 'keep-alive', 'bytes=0-', 'bytes=-1', 'bytes=999999999-', 'bytes=1-0,0-1', '*', 'null', 'http://evil.example', '127.0.0.1, 10.0.0.1', 'x'.repeat(9000)) },
    );
    const method = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD') }, { weight: 1, arbitrary: fc.constantFrom('TRACE', 'CONNECT', 'PROPFIND', 'G ET', 'get', 'X'.repeat(40), '') });
    const bodyBytes = fc.oneof(fc.constant(''), fc.constantFrom('{"prompt":"x"}', '{"name":', '{"username":"admin","password":"x"}', '{"name":"Film"}', 'null', '[]', '0\r\n\r\n', '5\r\nhello\r\n0\r\n\r\n', 'zz\r\nx\r\n', 'ffffffffffffffff\r\nx'), fc.string({ maxLength: 50 }), fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString('latin1')));
    const extraHeaders = fc.array(
      fc.oneof(
        { weight: 3, arbitrary: fc.tuple(fc.constantFrom('authorization'), authValue) },
        { weight: 3, arbitrary: fc.tuple(fc.constantFrom('cookie'), cookieValue) },
        { weight: 3, arbitrary: fc.tuple(fc.constantFrom('content-type'), contentType) },
        { weight: 4, arbitrary: fc.tuple(fc.constantFrom('content-encoding', 'transfer-encoding', 'expect', 'accept', 'accept-encoding', 'accept-charset', 'origin', 'referer', 'x-forwarded-for', 'x-forwarded-proto', 'host', 'range', 'if-none-match', 'if-modified-since', 'connection', 'upgrade', 'sec-websocket-key', 'sec-websocket-version', 'x-content-sha256', 'content-length'), headerValue) },
        { weight: 1, arbitrary: fc.tuple(fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}$/), headerValue) },
        { weight: 1, arbitrary: fc.tuple(fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 20 }).map((s) => s.replace(/[\r\n:]/g, '-')), headerValue) },
      ),
      { maxLength: 5 },
    );
    const lengthLie = fc.oneof({ weight: 6, arbitrary: fc.constant('exact') }, { weight: 2, arbitrary: fc.constant('none') }, { weight: 1, arbitrary: fc.constantFrom('0', '-1', '99999999999999999999', 'abc', '1e3', '+5', '10, 20') }, { weight: 1, arbitrary: fc.nat(200).map(String) });
    const target = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...targets) },
      { weight: 1, arbitrary: hostileSegment.map((s) => `/api/projects/${s}`) },
      { weight: 1, arbitrary: fc.constantFrom('*', '//api/health', '/api/../api/health', 'http://evil.example/api/health', '/api/health#frag', '/%', '/api/%ZZ', '') },
    );
    const version = fc.oneof({ weight: 9, arbitrary: fc.constant('HTTP/1.1') }, { weight: 1, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.x', 'HTTP/0.9', '') });
    const raw = fc.record({ method, target, headers: extraHeaders, body: bodyBytes, length: lengthLie, withAuth: fc.boolean(), version });
    await family('headers', raw, async (input) => {
      const lines = [`${input.method} ${input.target} ${input.version}`.trimEnd(), 'Host: 127.0.0.1', 'Connection: close'];
      if (input.withAuth) lines.push(`Authorization: Bearer ${tokens.alice}`);
      for (const [name, value] of input.headers) lines.push(`${name}: ${value}`);
      const body = Buffer.from(input.body, 'latin1');
      if (input.length === 'exact') lines.push(`Content-Length: ${body.length}`);
      else if (input.length !== 'none') lines.push(`Content-Length: ${input.length}`);
      const reply = await rawHttp(port, Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), body]));
      note('headers', reply.timedOut ? 'no answer' : reply.status ?? 'closed');
      expectSound(`raw ${input.method} ${input.target}`, reply);
    });
    await expectHealthy('the raw requests');
  });

  it('multipart uploads: random bytes, wrong types, hostile file names, missing and extra parts, broken framing', async () => {
    const routes = [
      { path: `/api/projects/${ids.p1}/scenes/${ids.scene}/media`, who: 'alice' as const },
      { path: '/api/admin/music', who: 'admin' as const },
    ];
    const magic = fc.constantFrom(
      Buffer.alloc(0),
      Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
      Buffer.from('ffd8ffe000104a464946', 'hex'),
      Buffer.from('524946460000000057454250', 'hex'),
      Buffer.from('000000186674797069736f6d', 'hex'),
      Buffer.from('1a45dfa3', 'hex'),
      Buffer.from('494433040000', 'hex'),
      Buffer.from('fffb9064', 'hex'),
      Buffer.from('4f676753', 'hex'),
      Buffer.from('52494646000000005741564566', 'hex'),
      Buffer.from('%PDF-1.4\n'),
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
    );
    const fileName = fc.oneof(
      fc.constantFrom('clip.mp4', 'song.mp3', 'a.png', '../../../../etc/passwd', '..\\..\\x.png', '/abs/path.png', 'a\u0000.png', '', '.', '..', 'x'.repeat(5000) + '.png', 'CON', 'a"; name="evil', '名前.jpg', '\ud800.png', 'a\r\nX-Injected: 1.png', '%2e%2e%2fx.mp3'),
      fc.string({ maxLength: 40 }),
    );
    const mime = fc.oneof(fc.constantFrom('image/png', 'image/jpeg', 'video/mp4', 'audio/mpeg', 'text/html', 'application/x-msdownload', 'image/svg+xml', '', 'invalid', 'audio/*'), fc.string({ maxLength: 20 }));
    const content = fc.oneof(
      { weight: 4, arbitrary: fc.tuple(magic, fc.uint8Array({ maxLength: 400 })).map(([m, b]) => Buffer.concat([m, Buffer.from(b)])) },
      { weight: 2, arbitrary: hostileString.map((s) => Buffer.from(s.slice(0, 2000))) },
      { weight: 1, arbitrary: fc.constant(Buffer.alloc(1024 * 1024 + 100, 7)) },
    );
    const part = fc.record({
      field: fc.oneof(fc.constant('file'), fc.constantFrom('name', 'licence', 'files', 'file[]', '', '__proto__', 'constructor'), fc.string({ maxLength: 10 })),
      fileName: fc.option(fileName, { nil: undefined }),
      mime: fc.option(mime, { nil: undefined }),
      content,
      disposition: fc.constantFrom('form-data', 'form-data', 'form-data', 'attachment', '', "form-data; filename*=UTF-8''%E0%A4%A"),
    });
    // Mostly one well-framed file part (with the music form's fields) carrying hostile content, name
    // and type, so the services' own checks see it; the rest is any mix of parts, fields and framing.
    const wellFormed = fc.record({
      parts: fc.record({ field: fc.constant('file'), fileName: fileName.map((n): string | undefined => n), mime: mime.map((m): string | undefined => m), content, disposition: fc.constant('form-data') }).map((p) => [p]),
      framing: fc.constant('ok'),
      fields: fc.tuple(hostileString, fc.option(hostileString)).map(([name, licence]) => [['name', name], ...(licence === null ? [] : [['licence', licence]])] as [string, string][]),
    });
    const chaos = fc.record({
      parts: fc.array(part, { maxLength: 4 }),
      framing: fc.constantFrom('ok', 'no-end', 'no-boundary-param', 'wrong-boundary', 'long-boundary', 'preamble', 'bare-lf', 'truncated'),
      fields: fc.array(fc.tuple(fc.constantFrom('name', 'licence', 'x'), hostileString), { maxLength: 10 }),
    });
    const arb = fc.record({ route: fc.constantFrom(...routes), form: fc.oneof({ weight: 3, arbitrary: wellFormed }, { weight: 2, arbitrary: chaos }) });
    await family('multipart', arb, async ({ route, form: { parts, framing: f, fields } }) => {
      const boundary = f === 'long-boundary' ? 'B'.repeat(300) : 'hostileBoundary7MA4YWxkTrZu0gW';
      const eol = f === 'bare-lf' ? '\n' : '\r\n';
      const chunks: Buffer[] = [];
      if (f === 'preamble') chunks.push(Buffer.from(`junk before the first part${eol}`));
      for (const [name, value] of fields) chunks.push(Buffer.from(`--${boundary}${eol}Content-Disposition: form-data; name="${name}"${eol}${eol}${value}${eol}`));
      for (const p of parts) {
        let head = `--${boundary}${eol}`;
        if (p.disposition) head += `Content-Disposition: ${p.disposition}; name="${p.field}"${p.fileName !== undefined ? `; filename="${p.fileName}"` : ''}${eol}`;
        if (p.mime !== undefined) head += `Content-Type: ${p.mime}${eol}`;
        chunks.push(Buffer.from(head + eol), p.content, Buffer.from(eol));
      }
      if (f !== 'no-end' && f !== 'truncated') chunks.push(Buffer.from(`--${boundary}--${eol}`));
      let body = Buffer.concat(chunks);
      if (f === 'truncated') body = body.subarray(0, Math.floor(body.length / 2));
      const type = f === 'no-boundary-param' ? 'multipart/form-data' : `multipart/form-data; boundary=${f === 'wrong-boundary' ? 'other' : boundary}`;
      const reply = await send(t.baseUrl, 'POST', route.path, { ...authHeaders(route.who), 'content-type': type }, body);
      note('multipart', reply.status);
      expectSound(`upload to ${route.path} (${f}, ${parts.length} parts)`, reply);
    });
    await expectHealthy('the uploads');
  });

  it('Socket.IO: random event names and payloads from a signed-in client', async () => {
    type ClientSocket = Socket;
    const acks: unknown[] = [];
    let socket: ClientSocket | null = null;
    const connectSocket = async (): Promise<ClientSocket> => {
      const s = io(t.baseUrl, { path: '/socket.io', transports: ['websocket'], auth: { token: tokens.alice }, reconnection: false });
      await new Promise<void>((res, rej) => {
        s.once('connect', () => res());
        s.once('connect_error', rej);
      });
      return s;
    };
    const eventName = fc.oneof(
      fc.constantFrom('project:join', 'project:leave', 'error', 'message', '__proto__', 'constructor', 'hasOwnProperty', 'toString', 'emit', 'on', 'join', 'task:status', 'disconnect', 'connect', 'newListener', 'removeListener', ''),
      fc.string({ maxLength: 20 }),
    );
    const plain = fc.oneof(
      { weight: 4, arbitrary: hostileJson(['project_id']).map((j) => { try { return JSON.parse(toJsonText(j)) as unknown; } catch { return toJsonText(j); } }) },
      { weight: 2, arbitrary: fc.record({ project_id: fc.oneof(hostileString, fc.constantFrom(ids.p1, ids.p2, '__proto__'), fc.integer(), fc.constant(null), fc.array(fc.string())) }) },
      { weight: 1, arbitrary: fc.anything({ maxDepth: 2, withNullPrototype: true, withObjectString: true }) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b)) },
      { weight: 1, arbitrary: fc.constantFrom(70_000, 200_000).map((n) => 'x'.repeat(n)) },
    );
    const arb = fc.record({ event: eventName, args: fc.array(plain, { maxLength: 3 }), withAck: fc.boolean() });
    try {
      await family('socketio', arb, async ({ event, args, withAck }) => {
        if (!socket || !socket.connected) socket = await connectSocket();
        try {
          if (withAck) socket.emit(event, ...args, (...res: unknown[]) => acks.push(res));
          else socket.emit(event, ...args);
        } catch {
          // socket.io-client refuses its own reserved names ("connect", "disconnect"…) before sending.
        }
        // A join and an ack in order behind the input: the server has read it (or closed this socket).
        const probe = await socket
          .timeout(5000)
          .emitWithAck('project:leave', { project_id: ids.p2 })
          .catch(() => null);
        note('socketio', probe === null ? 'disconnected' : 'answered');
        if (probe === null && socket.connected) throw new Error(`${event}: the connection stayed open but stopped answering`);
        for (const a of acks.splice(0)) expectSound(`ack of ${event}`, { status: null, text: JSON.stringify(a) ?? '' });
        expectQuiet(`Socket.IO event ${JSON.stringify(event)}`);
        await expectHealthy(`Socket.IO event ${JSON.stringify(event)}`);
      });
    } finally {
      (socket as ClientSocket | null)?.disconnect();
    }
  });

  it('Socket.IO: raw engine.io / socket.io packets over a plain WebSocket', async () => {
    const url = `${t.baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    const json = hostileJson(['project_id']).map(toJsonText);
    const digit = fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '');
    const sioPacket = fc.oneof(
      { weight: 3, arbitrary: fc.tuple(digit, digit, fc.constantFrom('', '/', '/admin,', '/%,', '/x/../,', '/' + 'n'.repeat(300) + ','), fc.constantFrom('', '1', '0', '99999999999999999999', '-1', '1e309'), fc.oneof(json, fc.constantFrom('["project:join",{"project_id":"' + ids.p2 + '"}]', '["project:join"]', '[]', '[null]', '["__proto__",{}]', '["constructor"]', '["error","x"]', '["disconnect"]', '["newListener","x"]', '[', '{"__proto__":{"x":1}}', ''))).map((p) => p.join('')) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('451-', '45', '4599999999999-', '451-', '452-', '461-', '45-1-', '45a-'), fc.constantFrom('["project:join",{"_placeholder":true,"num":0}]', '["x",{"_placeholder":true,"num":7}]', '["x",{"_placeholder":true,"num":"0"}]', '["x",{"_placeholder":true,"num":-1}]', '["x",{"_placeholder":true,"num":{"__proto__":1}}]', '[{"_placeholder":true}]')).map(([a, b]) => a + b) },
      { weight: 2, arbitrary: fc.string({ maxLength: 60 }) },
      { weight: 1, arbitrary: fc.constantFrom('1', '2', '2probe', '3', '5', '6', '7', '', 'b4AAAA', '4' + 'x'.repeat(70_000)) },
    );
    const frame = fc.oneof({ weight: 5, arbitrary: sioPacket.map((s) => ({ text: s })) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }).map((b) => ({ bytes: Buffer.from(b) })) });
    const connectPacket = fc.oneof(
      { weight: 3, arbitrary: fc.constant('valid') },
      { weight: 2, arbitrary: fc.oneof(json.map((j) => `40${j}`), fc.constantFrom('40', '40{}', '40{"token":null}', '40{"token":["x"]}', '40{"token":{"__proto__":{}}}', '40/admin,{"token":"x"}', '40{"token":"' + 'x'.repeat(10_000) + '"}')) },
    );
    const arb = fc.record({ connect: connectPacket, frames: fc.array(frame, { minLength: 1, maxLength: 4 }) });
    await family('engineio', arb, async (input) => {
      const s: RawSocket = rawSocket(url);
      try {
        if (!(await s.opened)) throw new Error('the Socket.IO upgrade was refused');
        const open = await s.next();
        if (typeof open !== 'string' || !open.startsWith('0')) throw new Error(`no engine.io open packet: ${String(open)}`);
        await sendFrame(s, input.connect === 'valid' ? `40${JSON.stringify({ token: tokens.alice })}` : input.connect);
        const answer = await s.next();
        const joined = typeof answer === 'string' && answer.startsWith('40');
        note('engineio', joined ? 'joined' : typeof answer === 'string' ? answer.slice(0, 2) : 'closed');
        if (typeof answer === 'string') expectSound('namespace connect', { status: null, text: answer });
        for (const f of input.frames) await sendFrame(s, 'text' in f ? f.text : f.bytes);
        if (joined) {
          // An event with an ack id behind the inputs: answered unless the server closed this connection.
          await sendFrame(s, `42987${JSON.stringify(['project:leave', { project_id: ids.p2 }])}`);
          for (;;) {
            const got = await s.next(5000);
            if (got === null) {
              if (!s.isClosed()) throw new Error('the connection stayed open but stopped answering');
              break;
            }
            if (typeof got === 'string') expectSound('a Socket.IO packet', { status: null, text: got });
            if (typeof got === 'string' && got.startsWith('43987')) break;
          }
        } else {
          await sleep(20);
        }
        for (const f of s.frames) expectSound('a Socket.IO packet', { status: null, text: f.toString() });
      } finally {
        s.ws.terminate();
      }
      expectQuiet('raw Socket.IO packets');
      await expectHealthy('raw Socket.IO packets');
    });
  });

  it('Yjs over /collab: random, truncated, oversized and structure-breaking frames, awareness with any ids, clocks and states', async () => {
    const api = apiClient(t.baseUrl, tokens.alice);
    // What a real peer has after syncing: the base for well-formed hostile updates.
    const editor = connectEditor(t.baseUrl, ids.p2, tokens.alice);
    await synced(editor);
    const base = new Y.Doc();
    Y.applyUpdate(base, Y.encodeStateAsUpdate(editor.doc));
    editor.destroy();
    const url = `${t.baseUrl.replace(/^http/, 'ws')}/collab/${ids.p2}?token=${encodeURIComponent(tokens.alice)}`;
    const documents = t.app.get(CollabDocuments);
    /** Sends sync step 1 and waits for the step 2 that answers it: true once answered or closed, false when the server stays silent. */
    const probed = async (s: RawSocket): Promise<boolean> => {
      await sendFrame(s, PROBE);
      const deadline = Date.now() + 5000;
      while (!s.isClosed() && Date.now() < deadline) {
        const got = await s.next(deadline - Date.now());
        if (got instanceof Buffer && got[0] === 0 && got[1] === 1) return true;
      }
      return s.isClosed();
    };
    await family('collab', collabInput(base), async ({ kind, frames }: { kind: string; frames: Frame[] }) => {
      const s = rawSocket(url);
      try {
        if (!(await s.opened)) throw new Error('the /collab upgrade was refused');
        // The server's sync step 1 means the connection was authorised and joined the document.
        if ((await s.next(5000)) === null) throw new Error(`no sync step 1 on /collab: ${JSON.stringify(await s.closed)}`);
        for (const f of frames) await sendFrame(s, f.bytes, f.binary);
        // Sync step 1 is answered at once; updates are checked and stored in the document's queue.
        // Once that is idle, a second probe is answered after any close the inputs earned.
        if (!(await probed(s))) throw new Error(`${kind}: the connection stayed open but did not answer the probe`);
        await documents.with(ids.p2, (d) => d.idle());
        if (!(await probed(s))) throw new Error(`${kind}: the connection stayed open but did not answer the second probe`);
      } finally {
        s.ws.close();
      }
      note('collab', s.isClosed() ? `${kind}: ${(await s.closed).code}` : `${kind}: open`);
      if (s.isClosed()) {
        const { code, reason } = await s.closed;
        if (code === COLLAB_CLOSE.INTERNAL || code === 1006) throw new Error(`${kind}: closed as a server failure (${code} ${reason})`);
        expectSound(`${kind}: close reason`, { status: null, text: reason });
      }
      // No accepted update may leave the storyboard unreadable (the REST snapshot must still validate).
      const sb = await api('GET', `/api/projects/${ids.p2}/storyboard`);
      if (sb.status !== 200) throw new Error(`${kind}: the storyboard is no longer readable: ${sb.status} ${sb.text.slice(0, 300)}`);
      expectQuiet(kind);
      await expectHealthy(kind);
    });
  });

  it('still serves afterwards: health, a signed-in request, a write, and a stock collab client', async () => {
    await sleep(200);
    expect(crashes).toEqual([]);
    expect(logger.errors).toEqual([]);
    expect((await fetch(`${t.baseUrl}/api/health`)).status).toBe(200);
    const alice = apiClient(t.baseUrl, tokens.alice);
    const me = await alice('GET', '/api/users/me');
    expect(me.status).toBe(200);
    expect(me.json.username).toBe('alice');
    expect((await alice('POST', '/api/projects', { name: 'After the storm' })).status).toBe(201);
    const editor = connectEditor(t.baseUrl, ids.p2, tokens.alice);
    try {
      await synced(editor);
      // What the hostile peers left in the document (they may have deleted every scene, as any
      // editor may) still reads, saves as a version, and is queued or refused as a render without a 5xx.
      const sb = await alice('GET', `/api/projects/${ids.p2}/storyboard`);
      expect(sb.status, sb.text).toBe(200);
      const version = await alice('POST', `/api/projects/${ids.p2}/versions`, { name: 'after the hostile peers' });
      expect(version.status, version.text).toBe(201);
      const render = await alice('POST', `/api/projects/${ids.p2}/render`);
      expectSound('a render of what the hostile peers left', render);
    } finally {
      editor.destroy();
    }
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    // Every family ran its inputs; at scale 1 they add up to the 1,000 the issue asks for.
    for (const f of Object.keys(RUNS) as Family[]) expect(counts[f], f).toBeGreaterThanOrEqual(runsOf(f));
    if (SCALE >= 1) expect(total).toBeGreaterThanOrEqual(1000);
  });
});
