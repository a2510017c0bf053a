import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendScene, hasStoryboard, newScene, sceneCount, sceneText } from '@reelcraft/shared';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { Y, collabClient, docHolds, type CollabClient } from '../support/collab-client';
import { faultDice } from '../support/fault-random';
import { OwnRedis } from '../support/own-redis';
import { scaledEnv, storedDocUpdates } from '../support/scaled-env';
import { ServerProcess, api, loginAdmin, until } from '../support/server-process';
import { pgReader, type ProbeCache, type StoreReader } from '../support/store-checks';
import { checkAfterFault } from './fault-checks';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sameBytes = (x: Uint8Array, y: Uint8Array) => x.byteLength === y.byteLength && x.every((v, i) => v === y[i]);
const ROUNDS = 3;

/**
 * The scaled mode's fault rounds: two server instances on one PostgreSQL schema, one shared data
 * folder and a Redis of this test's own, which is SIGKILLed at a random moment while editors on
 * both instances type and a render's scenes go through the BullMQ queue, and restarted empty
 * (no persistence: every queue key and subscription is gone).
 */
describe('fault rounds, scaled mode: SIGKILL and empty restart of Redis', () => {
  const dice = faultDice('scaled-redis');
  const redis = new OwnRedis();
  const dataDir = mkdtempSync(join(tmpdir(), 'reelcraft-faults-scaled-'));
  const clients: CollabClient[] = [];
  const probed: ProbeCache = new Map();
  let cleanUp: () => Promise<void> = async () => undefined;
  let schema = '';
  let db: StoreReader;
  let one: ServerProcess;
  let two: ServerProcess;
  let token = '';
  let projectId = '';

  beforeAll(async () => {
    await redis.start();
    const scaled = await scaledEnv('rc_faults');
    cleanUp = scaled.cleanUp;
    schema = scaled.schema;
    db = pgReader(schema);
    const env = { ...scaled.env, REDIS_URL: redis.url, DATA_DIR: dataDir, RENDER_WIDTH: '128', RENDER_HEIGHT: '72', RENDER_FPS: '8', RENDER_THREADS: '1', WORKER_HEARTBEAT_MS: '500', SCENE_JOB_LOCK_MS: '2000', LOG_LEVEL: 'warn' };
    one = new ServerProcess(env);
    two = new ServerProcess(env);
    // One after the other: the first start runs the migrations.
    await one.start();
    await two.start();
    token = await loginAdmin(one.baseUrl);
    const created = await api(one.baseUrl, 'POST', '/api/projects', token, { name: 'Scaled harbour' });
    expect(created.status).toBe(201);
    projectId = created.json.id;
  });

  afterAll(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await one?.dispose();
    await two?.dispose();
    await redis.kill();
    await cleanUp();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A project of its own with `scenes` short scenes, rendered through instance one. */
  async function startRender(round: number, scenes: number): Promise<string> {
    const created = await api(one.baseUrl, 'POST', '/api/projects', token, { name: `Scaled render ${round}` });
    const id = created.json.id as string;
    const writer = collabClient(one.baseUrl, id, token);
    try {
      await until('the writer synced', async () => writer.provider.synced && hasStoryboard(writer.doc), 15_000);
      for (let i = 0; i < scenes; i++) appendScene(writer.doc, newScene({ description: `Scaled round ${round}, shot ${i + 1}`, subtitle: `round ${round}`, duration_sec: 1 }));
      await until('the scenes stored', async () => (await api(one.baseUrl, 'GET', `/api/projects/${id}/storyboard`, token)).json?.scenes?.length === scenes, 15_000);
    } finally {
      writer.destroy();
    }
    const res = await api(one.baseUrl, 'POST', `/api/projects/${id}/render`, token);
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    return res.json.task_id as string;
  }

  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: Redis SIGKILLed while editors on both instances type and a render runs, then restarted empty`, async () => {
      onTestFailed(() => console.log(`--- instance one ---\n${one.log.slice(-4000)}\n--- instance two ---\n${two.log.slice(-4000)}`));
      const started = Date.now();
      const a = collabClient(one.baseUrl, projectId, token);
      const b = collabClient(two.baseUrl, projectId, token);
      clients.push(a, b);
      await until('both editors synced', async () => [a, b].every((c) => c.provider.synced && hasStoryboard(c.doc)), 15_000);
      if (sceneCount(a.doc) === 0) appendScene(a.doc, newScene({ description: '|', duration_sec: 1 }));
      await until('the scene on both', async () => sceneCount(b.doc) === 1, 15_000);
      const taskId = await startRender(round, dice.int(1, 2));
      let typing = true;
      let typed = 0;
      const typist = (async () => {
        while (typing) {
          for (const [c, letter] of [[a, 'a'], [b, 'b']] as const) {
            const text = sceneText(c.doc, 0, 'description');
            text.insert(dice.int(0, text.length), letter);
            typed++;
          }
          await sleep(dice.int(10, 30));
        }
      })();
      const delay = dice.int(50, 2500);
      await sleep(delay);
      const at = (await api(one.baseUrl, 'GET', `/api/tasks/${taskId}`, token)).json.status as string;
      await redis.kill();
      // What each editor received from the other instance had gone through Redis before it died.
      const receivedA = a.received.slice();
      const receivedB = b.received.slice();
      const down = dice.int(200, 1500);
      await sleep(down);
      await redis.start();
      await sleep(300);
      typing = false;
      await typist;

      // Nothing either editor received is lost: the stored document holds it, and the editors converge on it.
      const stored = new Y.Doc();
      for (const u of await storedDocUpdates(schema, projectId)) Y.applyUpdate(stored, u);
      expect(docHolds(stored, receivedA), 'what A had received, in the stored document').toBe(true);
      expect(docHolds(stored, receivedB), 'what B had received, in the stored document').toBe(true);
      stored.destroy();
      await until('the editors on both instances to converge', async () => sameBytes(Y.encodeStateVector(a.doc), Y.encodeStateVector(b.doc)), 20_000);
      for (const c of clients.splice(0)) c.destroy();

      const state = await checkAfterFault(db, dataDir, probed);
      console.log(`[faults] scaled round ${round}: Redis killed ${delay} ms into the render (task ${at}), down ${down} ms; ${typed} keystrokes on two instances, ${receivedA.length}/${receivedB.length} updates received by A/B kept; ${state}; ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });
  }
});
