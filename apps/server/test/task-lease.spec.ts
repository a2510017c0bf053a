import { DataSource } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RenderQueue } from '../src/renders/render-queue';
import { Task } from '../src/renders/task.entity';
import { ADMIN_PASSWORD, apiClient, login, startTestApp, until, waitForTask, type TestApp } from '../src/testing/test-app';
import { sharedInstances, type SharedInstances } from './support/shared-instances';

const LEASE_MS = 1500;
const ENV = { RENDER_WIDTH: '160', RENDER_HEIGHT: '90', RENDER_FPS: '8', TASK_LEASE_MS: String(LEASE_MS), TASK_LEASE_RENEW_MS: '250' };

/**
 * Two server processes on one PostgreSQL schema (two Nest apps in this process, each with its own
 * queue, instance id and render workers): a start of one never takes the other's live task; a
 * process that stops renewing (dies or hangs) has its task finished by the other once the lease ran out.
 */
describe('task leases between two server processes on PostgreSQL', () => {
  let instances: SharedInstances;
  let a: TestApp | undefined;
  let b: TestApp | undefined;
  let stoppedPid: number | undefined;

  beforeAll(async () => {
    instances = await sharedInstances({ env: ENV });
    a = await instances.start();
  });
  afterAll(async () => {
    await instances?.close();
    // A's frozen worker was killed by A's close; a SIGCONT to a pid already gone is harmless.
    if (stoppedPid) {
      try {
        process.kill(stoppedPid, 'SIGCONT');
      } catch {
        /* gone */
      }
    }
  });

  it("does not re-queue another process's running task at start, and takes it over once that process stops renewing its lease", async () => {
    const queueA = a!.app.get(RenderQueue);
    // A's first scene hangs for real: its render worker is frozen (SIGSTOP) as soon as it gets the scene.
    const frozen = new Promise<number>((resolve) => {
      queueA.scenes.once('started', ({ job }) => {
        const pid = queueA.pool.pidOf(job.jobId)!;
        process.kill(pid, 'SIGSTOP');
        resolve(pid);
      });
    });
    const token = await login(a!.baseUrl, 'admin', ADMIN_PASSWORD);
    const created = await apiClient(a!.baseUrl, token)('POST', '/api/tasks', { prompt: 'A quiet harbour at dawn, boats and gulls' });
    expect(created.status).toBe(201);
    const id = created.json.task_id as string;
    stoppedPid = await frozen;

    const db = a!.app.get(DataSource);
    const row = () => db.getRepository(Task).findOneByOrFail({ id });
    const claimed = await row();
    expect(claimed).toMatchObject({ status: 'running', lease_owner: queueA.instanceId, attempts: 1 });

    // B starts on the same schema while A renews its lease: B's start and its lease rounds leave the task alone.
    b = await instances.start();
    const queueB = b.app.get(RenderQueue);
    expect(queueB.instanceId).not.toBe(queueA.instanceId);
    const roundsAtStart = queueB.leaseRounds;
    const watchedFrom = Date.now();
    // Long enough for A's lease as claimed to have run out twice over, had A not renewed it.
    await until('B to run its lease rounds over two lease periods', async () => queueB.leaseRounds >= roundsAtStart + 3 && Date.now() - watchedFrom > 2 * LEASE_MS, 20_000);
    const kept = await row();
    expect(kept).toMatchObject({ status: 'running', lease_owner: queueA.instanceId, attempts: 1 });
    expect(kept.lease_until!.getTime()).toBeGreaterThan(claimed.lease_until!.getTime());
    expect(queueB.jobProgress(id)).toBeNull();

    // A dies as far as the database can tell: no more renewals, and its worker stays frozen.
    await queueA.stopLeaseRounds();
    const done = await waitForTask(b.baseUrl, await login(b.baseUrl, 'admin', ADMIN_PASSWORD), id, 120_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    expect(done.result.clips).toHaveLength(done.result.storyboard.length);
    const finished = await row();
    // Claimed twice (A, then B after the expiry); the finished task holds no lease.
    expect(finished).toMatchObject({ status: 'completed', attempts: 2, lease_owner: null, lease_until: null });
  });
});

/** One process's task, its render worker frozen so it stays `running` while the test looks at it. */
async function startFrozenTask(t: TestApp): Promise<{ id: string; token: string; pid: number }> {
  const queue = t.app.get(RenderQueue);
  const frozen = new Promise<number>((resolve) => {
    queue.scenes.once('started', ({ job }) => {
      const pid = queue.pool.pidOf(job.jobId)!;
      process.kill(pid, 'SIGSTOP');
      resolve(pid);
    });
  });
  const token = await login(t.baseUrl, 'admin', ADMIN_PASSWORD);
  const created = await apiClient(t.baseUrl, token)('POST', '/api/tasks', { prompt: 'Rain on a night market, lanterns and steam' });
  expect(created.status).toBe(201);
  return { id: created.json.task_id as string, token, pid: await frozen };
}

describe('handing tasks between two processes on PostgreSQL', () => {
  let instances: SharedInstances;
  const start = () => instances.start();
  beforeAll(async () => {
    instances = await sharedInstances({ env: { ...ENV, TASK_LEASE_MS: '60000', TASK_LEASE_RENEW_MS: '250' } });
  });
  afterEach(async () => {
    await instances.stopAll();
  });
  afterAll(async () => {
    await instances?.close();
  });

  it('a cancel sent to the other process stops the running job here at its next lease round', async () => {
    const a = await start();
    const b = await start();
    const { id, token } = await startFrozenTask(a);
    const queueA = a.app.get(RenderQueue);
    expect(queueA.jobProgress(id)).not.toBeNull();
    const cancelled = await apiClient(b.baseUrl, token)('POST', `/api/tasks/${id}/cancel`);
    expect(cancelled.json.status).toBe('cancelled');
    // B cannot reach A's worker; A sees its lease gone and ends the job (its frozen worker killed after the cancel's grace).
    await until("A's job to end", async () => queueA.jobProgress(id) === null, 20_000);
    const row = await a.app.get(DataSource).getRepository(Task).findOneByOrFail({ id });
    expect(row.status).toBe('cancelled');
  });

  it('a graceful shutdown hands its running task back at once instead of waiting out the lease', async () => {
    const a = await start();
    const { id } = await startFrozenTask(a);
    const tasks = a.app.get(DataSource).getRepository(Task);
    expect((await tasks.findOneByOrFail({ id })).status).toBe('running');
    await instances.stop(a);
    const b = await start();
    // The lease (60 s here) has not run out: only the hand-back lets B take the task.
    const done = await waitForTask(b.baseUrl, await login(b.baseUrl, 'admin', ADMIN_PASSWORD), id, 60_000);
    expect(done.status).toBe('completed');
    expect((await b.app.get(DataSource).getRepository(Task).findOneByOrFail({ id })).attempts).toBe(2);
  });
});

/** The lease rounds' re-queue rule on the embedded database too: only `running` rows whose lease ran out, or that never had one. */
describe('lease rounds on SQLite', () => {
  let t: TestApp | undefined;
  afterAll(async () => {
    await t?.close();
  });

  it('re-queues running tasks with an expired or no lease, and leaves a live lease of another process alone', async () => {
    t = await startTestApp('sqlite', ENV);
    const token = await login(t.baseUrl, 'admin', ADMIN_PASSWORD);
    // Paused: the re-queued tasks stay `pending` for the assertions instead of starting here.
    expect((await apiClient(t.baseUrl, token)('POST', '/api/admin/queue/pause')).json.paused).toBe(true);
    const queue = t.app.get(RenderQueue);
    const tasks = t.app.get(DataSource).getRepository(Task);
    const row = (id: string, lease_owner: string | null, lease_until: Date | null) =>
      ({ id, owner_id: 'owner-1', prompt: 'a harbour', status: 'running', attempts: 1, started_at: new Date(), lease_owner, lease_until }) as Task;
    await tasks.insert([
      row('live-elsewhere', 'other-host:1:abc', new Date(Date.now() + 60_000)),
      row('expired', 'other-host:1:abc', new Date(Date.now() - 1000)),
      row('before-leases', null, null),
    ]);
    const from = queue.leaseRounds;
    await until('two lease rounds', async () => queue.leaseRounds >= from + 2, 20_000);
    const after = await tasks.find({ select: { id: true, status: true, lease_owner: true, started_at: true }, order: { id: 'ASC' } });
    expect(after.map((x) => [x.id, x.status, x.lease_owner])).toEqual([
      ['before-leases', 'pending', null],
      ['expired', 'pending', null],
      ['live-elsewhere', 'running', 'other-host:1:abc'],
    ]);
    expect(after.find((x) => x.id === 'expired')!.started_at).toBeNull();
  });
});
