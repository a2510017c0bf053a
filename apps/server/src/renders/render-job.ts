import { fork, type ChildProcess } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { RENDER_WORKER_PATH, isWorkerMessage, type ClipInfo, type ParentMessage, type RenderJob, type WorkerMessage } from '@reelcraft/inference';
import type { RenderPlan } from '@reelcraft/shared';
import type { AppConfig } from '../config/config';
import { assembleVideo, findCjkFontsDir } from '../media/assemble-video';
import { MiB, memoryLimitMessage, watchMemory, type MemoryWatchdog } from './memory-watchdog';
import { StderrTail, workerStoppedMessage } from './worker-exit';
import { Scene } from './scene.entity';
import type { Task } from './task.entity';
import { VideoResource } from './video-resource.entity';

export interface JobProgress {
  scenesPlanned: number;
  scenesDone: number;
  /** 0..1 of the scene being rendered now. */
  currentScene: number;
  assembling: boolean;
}

export const overallProgress = (p: JobProgress): number =>
  p.scenesPlanned === 0 ? 0 : Math.min(0.99, (0.9 * (p.scenesDone + p.currentScene)) / p.scenesPlanned + (p.assembling ? 0.05 : 0));

export const taskDir = (config: AppConfig, taskId: string) => join(config.dataDir, 'tasks', taskId);

/**
 * Carries one task from prompt to final MP4: a forked render worker plans and renders the clips
 * (so frame drawing never blocks the API), this process records each result as it arrives and
 * then assembles the final video. Any earlier partial attempt of the task is cleared first.
 */
export async function renderTask(
  db: DataSource,
  config: AppConfig,
  task: Pick<Task, 'id' | 'prompt' | 'plan'>,
  /** A usable diffusion export to render with; without one every scene is drawn as an animatic. */
  diffusionDir: string | undefined,
  progress: JobProgress,
  signal: AbortSignal,
  /** Sees every worker message as it arrives (live progress and previews for watchers). */
  onMessage?: (msg: WorkerMessage) => void,
): Promise<VideoResource> {
  const taskId = task.id;
  const dir = taskDir(config, taskId);
  await db.getRepository(VideoResource).delete({ task_id: taskId });
  await db.getRepository(Scene).delete({ task_id: taskId });
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });

  const fontsDir = findCjkFontsDir();
  if (!fontsDir) throw new Error('no CJK font found for subtitles: install fonts-wqy-microhei (apt-get install fonts-wqy-microhei)');

  // A storyboard people edited brings its own size, frame rate and seed; a planned prompt uses the server's.
  const look = task.plan?.style ?? { width: config.render.width, height: config.render.height, fps: config.render.fps, seed: undefined };
  const job: RenderJob = {
    taskId,
    prompt: task.prompt,
    workDir: dir,
    width: look.width,
    height: look.height,
    fps: look.fps,
    ...(look.seed !== undefined ? { seed: look.seed } : {}),
    // No modelsDir: the queue has planned the task already (the LLM in its planner process), so the
    // worker renders the plan it is given and never loads a GGUF.
    ...(config.render.threads ? { threads: config.render.threads } : {}),
    ...(config.render.device !== 'cpu' ? { device: config.render.device } : {}),
    ...(task.plan ? { plan: task.plan } : {}),
    ...(diffusionDir ? { diffusionDir } : {}),
  };
  const { plan, clips } = await renderInWorker(db, config, job, progress, signal, onMessage);

  progress.assembling = true;
  const outPath = join(dir, 'final.mp4');
  const final = await assembleVideo({
    clips: clips.map((c) => ({ path: c.path, duration: c.duration })),
    // A storyboard's scenes bring their transitions (crossfade, fade through black) along.
    scenes: plan.scenes,
    outPath,
    workDir: dir,
    width: look.width,
    height: look.height,
    fps: look.fps,
    music: config.render.musicFile ? { path: config.render.musicFile } : null,
    fontsDir,
    signal,
  });
  const resource = db.getRepository(VideoResource).create({
    id: randomUUID(),
    task_id: taskId,
    scene_id: null,
    kind: 'final',
    file_path: relative(config.dataDir, final.path),
    frame_rate: look.fps,
    resolution: `${look.width}x${look.height}`,
    duration: final.duration,
    bytes: final.bytes,
    sha256: final.sha256,
  });
  return db.getRepository(VideoResource).save(resource);
}

function renderInWorker(
  db: DataSource,
  config: AppConfig,
  job: RenderJob,
  progress: JobProgress,
  signal: AbortSignal,
  onMessage?: (msg: WorkerMessage) => void,
): Promise<{ plan: RenderPlan; clips: ClipInfo[] }> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('cancelled'));
    const limitMb = config.render.memoryLimitMb;
    // The V8 heap is only part of a worker's memory (ONNX Runtime and llama.cpp allocate natively),
    // but bounding it to the limit makes V8 collect garbage instead of growing past it.
    const execArgv = limitMb > 0 ? [...process.execArgv, `--max-old-space-size=${limitMb}`] : process.execArgv;
    const child: ChildProcess = fork(RENDER_WORKER_PATH, [], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'], execArgv });
    // Passed on to the server's stderr as it comes; the tail says why a worker died.
    const stderr = new StderrTail(child.stderr!, process.stderr);
    // Over the limit, the worker is killed and the task fails with this; the next task gets a fresh worker.
    let overLimit: Error | undefined;
    let watchdog: MemoryWatchdog | undefined;
    // The worker answers with the plan it renders: the job's own (checked with RenderPlanSchema,
    // so a storyboard's transitions survive) or the one it planned from the prompt.
    let plan: RenderPlan | null = null;
    const sceneIds = new Map<number, string>();
    const clips: ClipInfo[] = [];
    let settled = false;
    // Messages are handled one at a time so database writes keep their order.
    let chain: Promise<void> = Promise.resolve();

    const finish = (err: Error | null) => {
      if (settled) return;
      settled = true;
      watchdog?.stop();
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve({ plan: plan!, clips });
    };
    const alive = () => child.exitCode === null && child.signalCode === null;
    const onAbort = () => {
      // Ask first, so the worker stops ffmpeg and removes its half-written clip; force it if it lingers.
      if (alive() && child.connected) child.send({ type: 'cancel' } satisfies ParentMessage);
      const force = setTimeout(() => alive() && child.kill('SIGKILL'), 2000);
      child.once('close', () => {
        clearTimeout(force);
        finish(new Error('cancelled'));
      });
    };
    signal.addEventListener('abort', onAbort, { once: true });

    const handle = async (msg: WorkerMessage) => {
      switch (msg.type) {
        case 'planned': {
          plan = msg.plan;
          progress.scenesPlanned = plan.scenes.length;
          const rows = plan.scenes.map((s) => {
            const id = randomUUID();
            sceneIds.set(s.scene_number, id);
            return { id, task_id: job.taskId, scene_number: s.scene_number, description: s.description, subtitle: s.subtitle, camera_settings: s.camera, duration_sec: s.duration_sec };
          });
          await db.getRepository(Scene).insert(rows);
          return;
        }
        case 'scene-progress':
          progress.currentScene = msg.frames ? msg.frame / msg.frames : 0;
          return;
        case 'scene-done': {
          clips.push(msg.clip);
          progress.scenesDone += 1;
          progress.currentScene = 0;
          await db.getRepository(VideoResource).insert({
            id: randomUUID(),
            task_id: job.taskId,
            scene_id: sceneIds.get(msg.scene_number) ?? null,
            kind: 'clip',
            file_path: relative(config.dataDir, msg.clip.path),
            frame_rate: msg.clip.frame_rate,
            resolution: msg.clip.resolution,
            duration: msg.clip.duration,
            bytes: msg.clip.bytes,
            sha256: msg.clip.sha256,
          });
          return;
        }
        case 'done':
          if (!plan || clips.length !== plan.scenes.length) throw new Error('render worker finished without every scene');
          return finish(null);
        case 'failed':
          throw new Error(msg.message);
      }
    };
    child.on('message', (msg: unknown) => {
      if (!isWorkerMessage(msg)) return;
      onMessage?.(msg);
      chain = chain.then(() => handle(msg)).catch((err: Error) => {
        if (alive()) child.kill('SIGKILL');
        finish(err);
      });
    });
    child.on('error', (err) => {
      if (alive()) child.kill('SIGKILL');
      finish(new Error(`render worker could not start: ${err.message}`));
    });
    child.on('close', (code, sig) => {
      void chain.then(() => finish(overLimit ?? new Error(workerStoppedMessage(sig, code, stderr.text, limitMb))));
    });
    if (limitMb > 0 && child.pid !== undefined) {
      watchdog = watchMemory({
        pid: child.pid,
        limitBytes: limitMb * MiB,
        onExceeded: (used) => {
          overLimit = new Error(memoryLimitMessage(limitMb * MiB, used));
          if (alive()) child.kill('SIGKILL');
        },
      });
    }
    child.send({ type: 'run', job });
  });
}
