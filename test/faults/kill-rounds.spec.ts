import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendScene, hasStoryboard, newScene, sceneCount, sceneText, updateSceneField } from '@reelcraft/shared';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { collabClient, docHolds, type CollabClient } from '../support/collab-client';
import { faultDice } from '../support/fault-random';
import { childrenOf, killHard, processLive } from '../support/process-tree';
import { ServerProcess, api, loginAdmin, until } from '../support/server-process';
import { readerOf, type ProbeCache } from '../support/store-checks';
import { writeTinyModels } from '../support/tiny-models';
import { checkAfterFault } from './fault-checks';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type RoundKind = 'server' | 'render-worker' | 'planner';

/**
 * The single-server rounds of the fault suite, in a fixed order (the moments are the dice's):
 * SIGKILL of the server while two editors type and a render runs, of a render worker mid-scene,
 * and of the planner process mid-plan; the scaled mode's Redis restarts are scaled-redis.spec.ts.
 * A server round comes between two planner rounds: a planner killed while loading marks its GGUF
 * unloadable for ten minutes in that server process, and the next planner round needs it again.
 */
const ROUNDS: RoundKind[] = ['server', 'render-worker', 'planner', 'server', 'render-worker', 'server', 'planner', 'render-worker', 'server', 'planner', 'render-worker', 'server', 'planner', 'server', 'render-worker', 'planner', 'server'];

describe('fault rounds: SIGKILL of the server, a render worker, the planner', () => {
  const dice = faultDice('kill-rounds');
  const modelsDir = mkdtempSync(join(tmpdir(), 'reelcraft-faults-models-'));
  const server = new ServerProcess({ RENDER_WIDTH: '128', RENDER_HEIGHT: '72', RENDER_FPS: '8', MODELS_DIR: modelsDir, RENDER_THREADS: '1', PLANNER_TIMEOUT_SECONDS: '30' });
  const db = readerOf(server);
  const probed: ProbeCache = new Map();
  const clients: CollabClient[] = [];
  let token = '';
  /** The project the editors type into, across every server round. */
  let editsProject = '';

  beforeAll(async () => {
    await writeTinyModels(modelsDir, { llm: true });
    await server.start();
    token = await loginAdmin(server.baseUrl);
    editsProject = await projectWithScenes('Harbour edits', 1);
  });

  afterAll(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await server.dispose();
    rmSync(modelsDir, { recursive: true, force: true });
  });

  /** A project whose storyboard holds `scenes` short scenes, written through a collab client (no REST call writes scenes). */
  async function projectWithScenes(name: string, scenes: number): Promise<string> {
    const created = await api(server.baseUrl, 'POST', '/api/projects', token, { name });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    const writer = collabClient(server.baseUrl, id, token);
    try {
      await until('the writer synced', async () => writer.provider.synced && hasStoryboard(writer.doc), 15_000);
      for (let i = 0; i < scenes; i++) appendScene(writer.doc, newScene({ description: `${name}, shot ${i + 1}`, subtitle: `${name} ${i + 1}`, duration_sec: 1 }));
      // Stored once the server echoes a state that has them: a fresh reader sees the scenes.
      await until('the scenes stored', async () => (await api(server.baseUrl, 'GET', `/api/projects/${id}/storyboard`, token)).json?.scenes?.length === scenes, 15_000);
    } finally {
      writer.destroy();
    }
    return id;
  }

  async function render(projectId: string): Promise<string> {
    const res = await api(server.baseUrl, 'POST', `/api/projects/${projectId}/render`, token);
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    return res.json.task_id as string;
  }

  const task = async (id: string) => (await api(server.baseUrl, 'GET', `/api/tasks/${id}`, token)).json;

  /**
   * Two editors on one storyboard, A typing and B receiving, while a render of another project
   * runs; the server is SIGKILLed at a random moment. Whatever B had received must be in the
   * document a third client gets after the restart.
   */
  async function serverRound(round: number): Promise<string> {
    const a = collabClient(server.baseUrl, editsProject, token);
    const b = collabClient(server.baseUrl, editsProject, token);
    clients.push(a, b);
    await until('both editors synced', async () => [a, b].every((c) => c.provider.synced && sceneCount(c.doc) >= 1), 15_000);
    const taskId = await render(await projectWithScenes(`Server round ${round}`, dice.int(1, 2)));
    let typing = true;
    let typed = 0;
    const typist = (async () => {
      while (typing) {
        const text = sceneText(a.doc, 0, 'description');
        text.insert(dice.int(0, text.length), String.fromCharCode(97 + (typed % 26)));
        if (++typed % 15 === 0) updateSceneField(a.doc, 0, 'subtitle', `round ${round}, ${typed} typed`);
        await sleep(dice.int(5, 25));
      }
    })();
    const delay = dice.int(50, 2500);
    await sleep(delay);
    const at = (await task(taskId)).status as string;
    await server.kill('SIGKILL');
    typing = false;
    await typist;
    // What the server sent before it died may still be in B's socket: B's received set is final once its socket closed.
    await Promise.race([b.closed, sleep(3000)]);
    const received = b.received.slice();
    for (const c of clients.splice(0)) c.destroy();
    await server.start();
    token = await loginAdmin(server.baseUrl);
    const c = collabClient(server.baseUrl, editsProject, token);
    clients.push(c);
    try {
      await until('a new client synced after the restart', async () => c.provider.synced && hasStoryboard(c.doc), 15_000);
      expect(docHolds(c.doc, received), 'every update B had received is in the document after the restart').toBe(true);
    } finally {
      for (const x of clients.splice(0)) x.destroy();
    }
    return `killed ${delay} ms into the render (task ${at}), ${typed} keystrokes typed, ${received.length} updates B had received all kept`;
  }

  /**
   * A render worker SIGKILLed at a random moment of a scene it draws. At the drawn moment the
   * worker is frozen (SIGSTOP) first: a scene still marked rendering then cannot end before the
   * kill, so the kill is known to land mid-scene; a moment that fell between scenes is drawn again.
   */
  async function renderWorkerRound(round: number): Promise<string> {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const taskId = await render(await projectWithScenes(`Worker round ${round}.${attempt}`, 2));
      for (;;) {
        const t = await task(taskId);
        if (['completed', 'failed', 'cancelled'].includes(t.status)) break;
        const drawing = t.scenes?.find((s: { status: string }) => s.status === 'rendering');
        const worker = childrenOf(server.child!.pid!).find((p) => p.kind === 'render-worker');
        if (!drawing || !worker) {
          await sleep(20);
          continue;
        }
        // Within a scene's time here (an animatic scene of this size takes a few hundred ms).
        await sleep(dice.int(0, 150));
        process.kill(worker.pid, 'SIGSTOP');
        const now = await task(taskId);
        const still = now.scenes?.find((s: { status: string }) => s.status === 'rendering');
        if (!still) {
          process.kill(worker.pid, 'SIGCONT');
          continue;
        }
        killHard(worker.pid);
        await until('the killed worker gone', async () => !processLive(worker.pid), 10_000);
        return `worker ${worker.pid} killed mid-scene ${still.scene_number} (attempt ${attempt})`;
      }
    }
    throw new Error('five renders ended before a moment mid-scene came up');
  }

  /**
   * The planner process SIGKILLed at a random moment of a task's planning: while it loads the
   * GGUF, or (the dice choose) while the loaded model writes the storyboard. In the second case
   * the process is frozen first and the kill goes ahead only while the task has no stored plan,
   * so it is known to land mid-plan; a moment past the plan is drawn again with a new task.
   */
  async function plannerRound(round: number): Promise<string> {
    const phase = dice.next() < 0.5 ? 'loading' : 'planning';
    for (let attempt = 1; attempt <= 3; attempt++) {
      const created = await api(server.baseUrl, 'POST', '/api/tasks', token, { prompt: `A lighthouse at dusk, waves and gulls, round ${round}.${attempt}` });
      expect(created.status).toBe(201);
      const taskId = created.json.task_id as string;
      const planner = await until('the planner process', async () => childrenOf(server.child!.pid!).find((p) => p.kind === 'planner'), 30_000);
      if (phase === 'planning') await until('the model loaded', async () => server.log.includes(`planner process ${planner.pid} loaded`), 30_000);
      await sleep(phase === 'loading' ? dice.int(0, 300) : dice.int(0, 150));
      process.kill(planner.pid, 'SIGSTOP');
      const [row] = await db.rows<{ planned: number }>(`SELECT CASE WHEN plan IS NULL THEN 0 ELSE 1 END AS planned FROM tasks WHERE id = '${taskId}'`);
      if (row?.planned) {
        process.kill(planner.pid, 'SIGCONT');
        continue;
      }
      killHard(planner.pid);
      await until('the killed planner gone', async () => !processLive(planner.pid), 10_000);
      const end = await until('the task to end', async () => {
        const t = await task(taskId);
        return ['completed', 'failed', 'cancelled'].includes(t.status) && t;
      }, 60_000);
      // The LLM's crash is reported and the rule-based planner wrote the rest, or the task failed saying why.
      if (end.status === 'completed') expect(end.planner?.fallback_reason, 'the planner report names the fallback').toBeTruthy();
      else expect(end.error).toBeTruthy();
      return `planner ${planner.pid} killed mid-plan while ${phase === 'loading' ? 'loading the model' : 'the loaded model planned'} (attempt ${attempt}), task ${end.status}; fallback: ${end.planner?.fallback_reason ?? end.error}`;
    }
    throw new Error('three plans were stored before a moment mid-plan came up');
  }

  for (const [i, kind] of ROUNDS.entries()) {
    it(`round ${i + 1}: SIGKILL of the ${kind}`, async () => {
      onTestFailed(() => console.log(`--- server log (tail) ---\n${server.log.slice(-6000)}`));
      const started = Date.now();
      const what = kind === 'server' ? await serverRound(i + 1) : kind === 'render-worker' ? await renderWorkerRound(i + 1) : await plannerRound(i + 1);
      const state = await checkAfterFault(db, server.dataDir, probed);
      console.log(`[faults] round ${i + 1} (${kind}): ${what}; ${state}; ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });
  }
});
