import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, apiClient, defaultTestDatabase, login, startTestApp, waitForTask, type TestApp } from '../../src/testing/test-app';

/**
 * Issue 15 item 3, nothing secret in the logs: everything the server writes while people sign in
 * (and fail to), change and reset passwords, create accounts, issue and use a worker token and
 * render a task with a distinctive prompt: every Nest log line at every level (debug included),
 * and every byte the test process writes to stdout and stderr meanwhile (what render workers and
 * ffmpeg pass up). No password, session token, worker token or prompt text may appear in it.
 */

/** The Nest logger of the app under test, at every level: each line it is asked to write. */
class RecordingLogger extends ConsoleLogger {
  readonly lines: string[] = [];
  protected override printMessages(messages: unknown[], context?: string, logLevel?: LogLevel, writeStreamType?: 'stdout' | 'stderr', errorStack?: unknown): void {
    for (const m of messages) this.lines.push(`${logLevel} [${context}] ${typeof m === 'string' ? m : JSON.stringify(m)}${errorStack ? ` ${String(errorStack)}` : ''}`);
    super.printMessages(messages, context, logLevel, writeStreamType, errorStack);
  }
}

const PROMPT = 'zebracorn-marmalade-lighthouse-8811 sails at dusk';
const PASSWORDS = {
  alice: 'Alice-first-pass-4401',
  aliceNew: 'Alice-second-pass-9917',
  bobReset: 'Bob-reset-by-admin-3306',
  wrong: 'Wrong-guess-pass-5521',
  created: 'Created-user-pass-7730',
};

describe('security: nothing secret in the logs', () => {
  let t: TestApp;
  const logger = new RecordingLogger('Reelcraft', { logLevels: ['error', 'warn', 'log', 'debug', 'verbose', 'fatal'] });
  const written: string[] = [];
  const originals = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    const tap = (stream: 'out' | 'err') =>
      ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return (originals[stream] as (...a: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof process.stdout.write;
    process.stdout.write = tap('out');
    process.stderr.write = tap('err');
    t = await startTestApp(defaultTestDatabase(), { LOG_LEVEL: 'debug', RENDER_WIDTH: '160', RENDER_HEIGHT: '90', RENDER_FPS: '8' });
    t.app.useLogger(logger);
  });
  afterAll(async () => {
    await t?.close();
    process.stdout.write = originals.out;
    process.stderr.write = originals.err;
  });

  it('writes no password, session token, worker token or prompt while they are used', async () => {
    const anonymous = apiClient(t.baseUrl);
    secrets.adminSession = await login(t.baseUrl, 'admin', ADMIN_PASSWORD);
    const admin = apiClient(t.baseUrl, secrets.adminSession);
    expect((await admin('POST', '/api/users', { username: 'alice', password: PASSWORDS.alice })).status).toBe(201);
    expect((await admin('POST', '/api/users', { username: 'bob', password: PASSWORDS.created })).status).toBe(201);
    // A failed sign-in, and one with the password typed into the name field.
    expect((await anonymous('POST', '/api/users/login', { username: 'alice', password: PASSWORDS.wrong })).status).toBe(401);
    expect((await anonymous('POST', '/api/users/login', { username: 'nobody', password: PASSWORDS.wrong })).status).toBe(401);
    secrets.aliceSession = await login(t.baseUrl, 'alice', PASSWORDS.alice);
    const alice = apiClient(t.baseUrl, secrets.aliceSession);
    expect((await alice('POST', '/api/users/me/password', { current_password: PASSWORDS.wrong, new_password: PASSWORDS.aliceNew })).status).toBeGreaterThanOrEqual(400);
    expect((await alice('POST', '/api/users/me/password', { current_password: PASSWORDS.alice, new_password: PASSWORDS.aliceNew })).status).toBe(204);
    secrets.aliceSecondSession = await login(t.baseUrl, 'alice', PASSWORDS.aliceNew);
    const bobId = (await admin('GET', '/api/users?q=bob')).json.items.find((u: { username: string }) => u.username === 'bob').id;
    expect((await admin('POST', `/api/users/${bobId}/password`, { password: PASSWORDS.bobReset })).status).toBe(204);
    secrets.bobSession = await login(t.baseUrl, 'bob', PASSWORDS.bobReset);

    const issued = await admin('POST', '/api/admin/worker-tokens', { name: 'gpu-host' });
    expect(issued.status).toBe(201);
    secrets.workerToken = issued.json.token;
    const beat = await apiClient(t.baseUrl, secrets.workerToken)('POST', '/api/workers/heartbeat', { worker_id: 'host:1:abc', host: 'host', pid: 1, device: 'cpu', slots: 1, models: [], job: null });
    expect(beat.status).toBe(200);
    // A tampered session token, and a tampered worker token: what is refused is not echoed either.
    secrets.tamperedSession = `${secrets.aliceSecondSession.slice(0, -2)}zz`;
    secrets.tamperedWorker = `${secrets.workerToken.slice(0, -2)}zz`;
    expect((await apiClient(t.baseUrl, secrets.tamperedSession)('GET', '/api/users/me')).status).toBe(401);
    expect((await apiClient(t.baseUrl, secrets.tamperedWorker)('POST', '/api/workers/heartbeat', {})).status).toBe(401);

    const task = await apiClient(t.baseUrl, secrets.aliceSecondSession)('POST', '/api/tasks', { prompt: PROMPT });
    expect(task.status).toBe(201);
    expect((await waitForTask(t.baseUrl, secrets.aliceSecondSession, task.json.task_id)).status).toBe('completed');
    expect((await apiClient(t.baseUrl, secrets.aliceSecondSession)('POST', '/api/users/logout')).status).toBe(204);

    const logged = `${logger.lines.join('\n')}\n${written.join('')}`;
    // The capture works: the render's own line is in it (and the task id, which is no secret).
    expect(logger.lines.some((l) => l.includes(task.json.task_id) && l.includes('completed'))).toBe(true);
    const findings: string[] = [];
    for (const [what, value] of Object.entries({ ...PASSWORDS, adminPassword: ADMIN_PASSWORD, ...secrets, prompt: PROMPT, promptWord: 'zebracorn-marmalade' })) {
      if (logged.includes(value)) findings.push(`${what} appears in the log`);
      // Nor its URL or JSON encoding.
      if (logged.includes(encodeURIComponent(value)) || logged.includes(JSON.stringify(value).slice(1, -1))) findings.push(`${what} appears encoded in the log`);
    }
    expect(findings, logged.split('\n').filter((l) => Object.values(secrets).some((s) => l.includes(s)) || l.includes('zebracorn')).join('\n').slice(0, 2000)).toEqual([]);
  });
});
