import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LIMITS, hasStoryboard, readStoryboard, sceneText, updateSceneField } from '@reelcraft/shared';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
// The only way yjs is imported here: y-websocket and @reelcraft/shared load the same ESM copy.
import * as Y from 'yjs';
import { launchChromium } from './support/browser';
import { SandboxedServer, analyseTrace, runSandboxed, type TraceAnalysis } from './support/offline-sandbox';
import { ADMIN_PASSWORD, ROOT, api, until } from './support/server-process';

const BOB_PASSWORD = 'bob-edits-offline';
const SIZE = { RENDER_WIDTH: '128', RENDER_HEIGHT: '72', RENDER_FPS: '8' };

/** The programs a trace saw run successfully, as `path argv[1]`. */
const ran = (trace: TraceAnalysis) => trace.execs.filter((e) => e.result === '0');

/**
 * Offline, proven: the whole flow — sign in, plan with the LLM (tiny real GGUF), co-edit, render
 * with the ONNX diffusion pipeline (tiny real export), assemble with ffmpeg, download — with the
 * server in a network namespace that has nothing but loopback, so the kernel refuses every other
 * connection of the server and of every process it starts, and strace recording each connection
 * any of them tried: none went anywhere but loopback or a local socket. The studio in Chromium
 * asks nothing of any origin but the server's.
 */
describe('offline, proven', () => {
  const modelsDir = mkdtempSync(join(tmpdir(), 'reelcraft-offline-models-'));
  const downloads = mkdtempSync(join(tmpdir(), 'reelcraft-offline-download-'));
  let server: SandboxedServer;
  let browser: Browser;
  let context: BrowserContext | null = null;
  let bob: { doc: Y.Doc; provider: WebsocketProvider } | null = null;

  beforeAll(async () => {
    // Tiny real models (the planner's prompt template and the storyboard need more than the
    // default tiny context). Written by a node process of their own: @reelcraft/inference is
    // CommonJS and would load a second copy of Yjs next to the one y-websocket uses here.
    const write = `const inference = require('@reelcraft/inference'), [dir] = process.argv.slice(1);
      Promise.all([inference.writeTinyGguf(dir + '/llm/tiny.gguf', { contextLength: 4096 }), inference.writeTinyDiffusionPipeline(dir + '/diffusion/tiny-sd')])
        .catch((e) => { console.error(e); process.exit(1); });`;
    await promisify(execFile)(process.execPath, ['-e', write, modelsDir], { cwd: ROOT });
    server = new SandboxedServer({ ...SIZE, MODELS_DIR: modelsDir, RENDER_THREADS: '1', LOG_LEVEL: 'warn' });
    await server.start();
    browser = await launchChromium();
  });

  afterAll(async () => {
    bob?.provider.destroy();
    await context?.close().catch(() => {});
    await browser?.close();
    await server?.dispose();
    for (const dir of [modelsDir, downloads]) rmSync(dir, { recursive: true, force: true });
  });

  it('catches attempts to reach outside, from a process and its children, which the namespace refuses (the check can fail)', async () => {
    // The same sandbox and parser as the server's, on a node process that tries TCP to an internet
    // address, UDP to a DNS port and a loopback port (allowed), and starts a child node that tries
    // IPv6 and an ffmpeg that tries to read an http:// input: what the server's children could do.
    const probe = `
      const net = require('node:net'), dgram = require('node:dgram'), { execFileSync, spawnSync } = require('node:child_process');
      const tcp = (port, host) => new Promise((res) => net.connect(port, host).on('error', (e) => res(e.code)).on('connect', () => res('connected')));
      (async () => {
        const tcp4 = await tcp(80, '93.184.216.34'), loopback = await tcp(9, '127.0.0.1');
        const udp = dgram.createSocket('udp4');
        const sent = await new Promise((res) => udp.send(Buffer.from('q'), 53, '192.0.2.53', (e) => res(e ? e.code : 'sent')));
        udp.close();
        const child = execFileSync(process.execPath, ['-e', "require('node:net').connect(443, '2001:db8::1').on('error', (e) => console.log(e.code))"]).toString().trim();
        const ffmpeg = spawnSync('ffmpeg', ['-hide_banner', '-nostdin', '-i', 'http://93.184.216.34/clip.mp4', '-f', 'null', '-'], { timeout: 20000 }).stderr.toString();
        const links = execFileSync('ip', ['-o', 'link']).toString().split('\\n').filter(Boolean).map((l) => l.split(': ')[1]);
        console.log(JSON.stringify({ tcp4, loopback, sent, child, ffmpeg: /unreachable/i.test(ffmpeg), links }));
      })();`;
    const run = await runSandboxed([process.execPath, '-e', probe]);
    expect(run.code, run.output).toBe(0);
    // The kernel refused every outside address (loopback answered: nothing listens on its port 9);
    // the namespace has no interface but lo.
    expect(JSON.parse(run.output.trim())).toEqual({ tcp4: 'ENETUNREACH', loopback: 'ECONNREFUSED', sent: 'ENETUNREACH', child: 'ENETUNREACH', ffmpeg: true, links: ['lo'] });
    const trace = analyseTrace(run.trace);
    expect(trace.unreadable).toEqual([]);
    const flagged = trace.outside.map((a) => `${a.syscall} ${a.family} ${a.address}:${a.port} ${a.result.split(' ')[1] ?? a.result}`);
    expect(flagged).toEqual([
      'connect AF_INET 93.184.216.34:80 ENETUNREACH',
      expect.stringMatching(/^send(msg|to) AF_INET 192\.0\.2\.53:53 ENETUNREACH$/),
      'connect AF_INET6 2001:db8::1:443 ENETUNREACH',
      'connect AF_INET 93.184.216.34:80 ENETUNREACH',
    ]);
    // Each attempt is laid at the right process: the probe, its node child, its ffmpeg.
    const programOf = (pid: number) => trace.execs.filter((e) => e.pid === pid && e.result === '0').pop();
    expect(trace.outside.map((a) => programOf(a.pid)?.argv.slice(0, 2).join(' ').slice(0, 40))).toEqual([
      `${process.execPath} -e`,
      `${process.execPath} -e`,
      `${process.execPath} -e`,
      'ffmpeg -hide_banner',
    ]);
    // The loopback connection was seen and not flagged.
    expect(trace.addresses.some((a) => a.family === 'AF_INET' && a.address === '127.0.0.1' && a.port === 9)).toBe(true);
  });

  it('plans, co-edits, renders, assembles and downloads with no connection but loopback, and the studio loads nothing from elsewhere', async () => {
    const started = Date.now();
    // The server's namespace has no interface but loopback.
    const links = execFileSync('nsenter', [`--net=/proc/${server.child!.pid}/ns/net`, 'ip', '-o', 'link']).toString();
    expect(links.split('\n').filter(Boolean).map((l) => l.split(': ')[1])).toEqual(['lo']);
    const admin = (await api(server.baseUrl, 'POST', '/api/users/login', undefined, { username: 'admin', password: ADMIN_PASSWORD })).json.token as string;
    expect((await api(server.baseUrl, 'POST', '/api/users', admin, { username: 'bob', password: BOB_PASSWORD })).status).toBe(201);

    // Every request the studio makes, and every WebSocket it opens, from the first page on.
    context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const requests: string[] = [];
    const sockets: string[] = [];
    context.on('request', (r) => requests.push(r.url()));
    context.on('page', (p) => p.on('websocket', (ws) => sockets.push(ws.url())));
    const page: Page = await context.newPage();
    page.on('websocket', (ws) => sockets.push(ws.url()));

    // Sign in through the login page; a project with a prompt: the LLM plans it in the planner process.
    await page.goto(`${server.baseUrl}/login`);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('current-user').waitFor();
    await page.goto(`${server.baseUrl}/projects`);
    await page.getByTestId('project-name').fill('Harbour, offline');
    await page.getByTestId('project-prompt').fill('A harbour at dawn: boats leave, gulls circle a lighthouse');
    await page.getByTestId('project-create').click();
    await page.waitForURL(/\/projects\/[^/]+$/);
    const projectId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    await expect.poll(() => page.getByTestId('planner-info').getAttribute('data-planner'), { timeout: 90_000, interval: 250 }).toBe('llm');
    const project = (await api(server.baseUrl, 'GET', `/api/projects/${projectId}`, admin)).json;
    expect(project.planner).toMatchObject({ planner: 'llm', model: 'tiny.gguf', fallback_reason: null });
    await expect.poll(() => page.getByTestId('connection-status').getAttribute('data-state'), { timeout: 15_000 }).toBe('online');

    // Bob co-edits with a stock y-websocket client: the studio shows his edit live, he sees the studio's.
    expect((await api(server.baseUrl, 'POST', `/api/projects/${projectId}/members`, admin, { username: 'bob', role: 'editor' })).status).toBe(201);
    const bobToken = (await api(server.baseUrl, 'POST', '/api/users/login', undefined, { username: 'bob', password: BOB_PASSWORD })).json.token as string;
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(server.baseUrl.replace(/^http/, 'ws') + '/collab', projectId, doc, {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      params: { token: bobToken },
      disableBc: true,
    });
    bob = { doc, provider };
    await until('Bob synced', async () => provider.synced && hasStoryboard(doc), 15_000);
    const planned = readStoryboard(doc);
    if (!planned.ok) throw new Error(`unreadable storyboard: ${JSON.stringify(planned.issues)}`);
    const scenes = planned.value.scenes.length;
    expect(scenes).toBeGreaterThan(0);
    // The shortest scenes keep the render quick; the first scene's description gains Bob's words.
    doc.transact(() => {
      for (let i = 0; i < scenes; i++) updateSceneField(doc, i, 'duration_sec', LIMITS.sceneDurationSec.min);
      sceneText(doc, 0, 'description').insert(0, 'Bob offline: ');
    });
    const description = page.getByTestId('scene-description').first();
    await expect.poll(() => description.inputValue(), { timeout: 10_000, interval: 100 }).toMatch(/^Bob offline: /);
    const subtitle = page.getByTestId('scene-subtitle').first();
    await subtitle.click();
    // The end of the whole text (End alone stops at the end of the caret's line).
    await subtitle.press('Control+End');
    await subtitle.pressSequentially(' (no network)', { delay: 10 });
    await until('Bob to see the studio\'s edit', async () => sceneText(doc, 0, 'subtitle').toString().endsWith(' (no network)'), 10_000);
    const edited = readStoryboard(doc);
    if (!edited.ok) throw new Error('unreadable storyboard');

    // Render from the studio: the ONNX pipeline draws every scene, ffmpeg encodes and assembles.
    await page.getByTestId('render-button').click();
    const status = page.getByTestId('render-status');
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 120_000, interval: 250 }).toBe('completed');
    await status.getByRole('link').click();
    await page.getByTestId('video-player').waitFor();
    const taskId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    const task = (await api(server.baseUrl, 'GET', `/api/tasks/${taskId}`, admin)).json;
    expect(task.status).toBe('completed');
    expect(task.result.storyboard.map((s: { description: string; subtitle: string }) => [s.description, s.subtitle])).toEqual(edited.value.scenes.map((s) => [s.description, s.subtitle]));
    // Drawn by the diffusion pipeline on the tiny export, not by the animatic fallback.
    for (const scene of edited.value.scenes) {
      const takes = (await api(server.baseUrl, 'GET', `/api/projects/${projectId}/scenes/${scene.id}/takes`, admin)).json as { params: { renderer: string } }[];
      expect(takes.map((t) => t.params.renderer)).toEqual([expect.stringMatching(/^diffusion:tiny-sd:/)]);
    }

    // The studio's download button: the MP4, checked with ffprobe.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('video-download').click()]);
    const file = join(downloads, download.suggestedFilename());
    await download.saveAs(file);
    expect(statSync(file).size).toBeGreaterThan(1000);
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,width,height:format=duration', '-of', 'json', file]).toString());
    expect(probe.streams.find((s: { codec_type: string }) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 128, height: 72 });
    expect(Math.abs(Number(probe.format.duration) - scenes * LIMITS.sceneDurationSec.min)).toBeLessThanOrEqual(0.5);
    await page.screenshot({ path: join(ROOT, 'reports/offline-task.png') });
    const flowSeconds = (Date.now() - started) / 1000;

    // Chromium asked the server's origin only: pages, scripts, styles, fonts, API, video, download.
    const origin = new URL(server.baseUrl).origin;
    expect(requests.length).toBeGreaterThan(10);
    expect(requests.filter((url) => !url.startsWith(`${origin}/`) && !/^(data|blob):/.test(url))).toEqual([]);
    expect(sockets.length).toBeGreaterThan(0);
    expect(sockets.filter((url) => !url.startsWith(origin.replace(/^http/, 'ws') + '/'))).toEqual([]);

    // The trace is complete once the server and everything it started have exited.
    provider.destroy();
    bob = null;
    await context.close();
    context = null;
    await server.stop();
    const trace = server.trace();
    // The record itself, for a person to read: reports/offline-server-trace.txt.
    copyFileSync(server.traceFile, join(ROOT, 'reports/offline-server-trace.txt'));
    const programs = ran(trace);
    const nodeScripts = programs.filter((e) => e.path === process.execPath).map((e) => e.argv[1] ?? '');
    const ffmpegRuns = programs.filter((e) => /\/ffmpeg$/.test(e.path)).length;
    console.log(
      `offline flow: ${flowSeconds.toFixed(1)} s, ${scenes} scene(s); trace: ${trace.processes} processes ran a program ` +
        `(${nodeScripts.map((s) => s.split('/').pop()).join(', ')}; ffmpeg ${ffmpegRuns}x; ffprobe ${programs.filter((e) => /\/ffprobe$/.test(e.path)).length}x), ` +
        `connect() by family ${JSON.stringify(trace.connectsByFamily)}, ${trace.addresses.length} addressed calls, ${trace.outside.length} outside; ` +
        `Chromium: ${requests.length} requests, ${sockets.length} WebSockets`,
    );
    // It covered the server, the planner process, the render workers and ffmpeg (clips and assembly).
    expect(nodeScripts).toContain(join(ROOT, 'apps/server/dist/main.js'));
    expect(nodeScripts.some((s) => s.endsWith('/planner-process.js'))).toBe(true);
    expect(nodeScripts.some((s) => s.endsWith('/render-worker.js'))).toBe(true);
    expect(ffmpegRuns).toBeGreaterThanOrEqual(scenes + 1);
    // And nothing anywhere tried to leave: every address named was loopback, a local socket or netlink.
    expect(trace.unreadable).toEqual([]);
    const program = (pid: number) => programs.filter((e) => e.pid === pid).pop()?.argv.slice(0, 2).join(' ') ?? 'a thread';
    expect(trace.outside.map((a) => `${program(a.pid)}: ${a.line}`)).toEqual([]);
  });
});
