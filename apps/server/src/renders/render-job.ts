import { fork, type ChildProcess } from 'node:child_process';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { randomUUID } from 'node:crypto';
import { In, IsNull, type DataSource } from 'typeorm';
import { RENDER_WORKER_PATH, isWorkerMessage, type ClipInfo, type ParentMessage, type RenderJob, type WorkerMessage } from '@reelcraft/inference';
import { DEFAULT_OUTPUT, type RenderPlan } from '@reelcraft/shared';
import type { AppConfig } from '../config/config';
import { assembleVideo, findCjkFontsDir, type AssembleOptions } from '../media/assemble-video';
import { renderMediaClip } from '../media/scene-media-clip';
import { MusicTrack } from '../music/music-track.entity';
import { MiB, memoryLimitMessage, watchMemory, type MemoryWatchdog } from './memory-watchdog';
import { StderrTail, workerStoppedMessage } from './worker-exit';
import { Scene } from './scene.entity';
import { rendererIdentity, type SceneContentParams, type SceneLook } from './scene-hash';
import { hashPlanScenes, type HashedScene } from './scene-plan';
import { TakeSelection } from './take-selection.entity';
import { Take } from './take.entity';
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
 * Carries one task from its plan to the final MP4. Each scene is first looked up among the
 * project's takes by the hash of everything that decides its pixels (scene-hash.ts): a scene
 * rendered before, unchanged, is reused (`cached`). Only the others go to a forked render worker
 * (so frame drawing never blocks the API); each clip it finishes is kept as a take under
 * DATA_DIR/takes. Then the final video is assembled from the takes in storyboard order. Any earlier
 * partial attempt of the task is cleared first (its takes stay: a retry reuses them).
 */
export async function renderTask(
  db: DataSource,
  config: AppConfig,
  task: Pick<Task, 'id' | 'prompt' | 'plan' | 'project_id' | 'owner_id'>,
  /** A usable diffusion export to render with; without one every scene is drawn as an animatic. */
  diffusionDir: string | undefined,
  progress: JobProgress,
  signal: AbortSignal,
  /** Sees every worker message as it arrives (live progress and previews for watchers). */
  onMessage?: (msg: WorkerMessage) => void,
): Promise<VideoResource> {
  const taskId = task.id;
  const plan = task.plan;
  if (!plan) throw new Error('the task has no storyboard to render');
  const dir = taskDir(config, taskId);
  await db.getRepository(VideoResource).delete({ task_id: taskId });
  await db.getRepository(Scene).delete({ task_id: taskId });
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await mkdir(join(config.dataDir, TAKES_DIR), { recursive: true });

  const fontsDir = findCjkFontsDir();
  if (!fontsDir) throw new Error('no CJK font found for subtitles: install fonts-wqy-microhei (apt-get install fonts-wqy-microhei)');

  // A storyboard people edited brings its own size, frame rate and seed; a planned prompt uses the server's.
  const look = plan.style ?? { width: config.render.width, height: config.render.height, fps: config.render.fps, seed: undefined };
  const renderer = await rendererIdentity(diffusionDir);
  const scenes = await matchTakes(db, config, task, plan, look, renderer);
  const rows = scenes.map(({ scene, params, hash, take }) => ({
    id: randomUUID(),
    task_id: taskId,
    scene_number: scene.scene_number,
    description: scene.description,
    subtitle: scene.subtitle,
    camera_settings: scene.camera,
    duration_sec: scene.duration_sec,
    storyboard_scene_id: scene.id ?? null,
    content_hash: hash,
    status: take ? ('done' as const) : ('pending' as const),
    cached: !!take,
    take_id: take?.id ?? null,
    params,
  }));
  await db.getRepository(Scene).insert(rows.map(({ params: _p, ...row }) => row));
  for (const [i, { take }] of scenes.entries()) if (take) await insertClipResource(db, taskId, rows[i]!.id, take);
  progress.scenesPlanned = plan.scenes.length;
  progress.scenesDone = scenes.filter((s) => s.take).length;

  /** A clip made for this render becomes a take, the scene's clip in this task, and one more scene done. */
  const recordTake = async (row: (typeof rows)[number], clip: ClipInfo, poster: string | undefined) => {
    const take = await keepTake(db, config, task, row, clip, poster);
    scenes[rows.indexOf(row)]!.take = take;
    await db.getRepository(Scene).update({ id: row.id }, { status: 'done', take_id: take.id });
    await insertClipResource(db, taskId, row.id, take);
  };

  // Scenes with an uploaded picture or clip are made here (one ffmpeg each); the worker draws the rest.
  for (const [i, row] of rows.entries()) {
    const { scene, upload, take } = scenes[i]!;
    if (take || !upload) continue;
    signal.throwIfAborted();
    const clip = await renderMediaClip({
      path: join(config.dataDir, upload.file_path),
      kind: upload.kind,
      move: scene.camera.move,
      speed: scene.camera.speed ?? 1,
      durationSec: scene.duration_sec,
      width: look.width,
      height: look.height,
      fps: look.fps,
      outPath: join(dir, `scene-${String(scene.scene_number).padStart(2, '0')}-media.mp4`),
      signal,
    });
    await recordTake(row, clip, undefined);
    progress.scenesDone += 1;
  }
  const todo = rows.filter((_, i) => !scenes[i]!.take);
  if (todo.length) {
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
      // Only the scenes no take has; they keep their numbers, which place them and seed them.
      plan: { ...plan, scenes: plan.scenes.filter((s) => todo.some((r) => r.scene_number === s.scene_number)) },
      ...(diffusionDir ? { diffusionDir } : {}),
    };
    await renderInWorker(db, config, job, progress, signal, onMessage, async (clip, sceneNumber, poster) => {
      const row = todo.find((r) => r.scene_number === sceneNumber);
      if (!row) throw new Error(`render worker sent scene ${sceneNumber}, which it was not asked for`);
      await recordTake(row, clip, poster);
    });
  }

  progress.assembling = true;
  const outPath = join(dir, 'final.mp4');
  const final = await assembleVideo({
    clips: scenes.map(({ take }) => ({ path: join(config.dataDir, take!.clip_path), duration: take!.duration })),
    // A storyboard's scenes bring their transitions (crossfade, fade through black) along.
    scenes: plan.scenes,
    outPath,
    workDir: dir,
    width: look.width,
    height: look.height,
    fps: look.fps,
    ...(await deliveryOptions(db, plan, look, config)),
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

/**
 * How the storyboard asks for its video to be delivered: subtitles burnt in or only as the soft
 * track, their size and place, narration, and its music settings. A seed-API plan has none of
 * these: it gets burnt subtitles and the server's MUSIC_FILE, as before.
 */
async function deliveryOptions(db: DataSource, plan: RenderPlan, look: SceneLook, config: AppConfig): Promise<Pick<AssembleOptions, 'language' | 'burnSubtitles' | 'subtitleStyle' | 'narration' | 'music'>> {
  const output = plan.output ?? DEFAULT_OUTPUT;
  // The assembler's own size for this height (7 % of the short side), scaled as the storyboard asks.
  const fontSize = Math.max(12, Math.round(Math.min(look.width, look.height) * 0.07 * output.subtitle_scale));
  const serverMusic = config.render.musicFile;
  let music: AssembleOptions['music'] = null;
  if (!plan.music) music = serverMusic ? { path: serverMusic } : null;
  else if (plan.music.enabled) {
    // The storyboard's pick from the music library; none (or a track since deleted): the server's MUSIC_FILE.
    const track = plan.music.file_id ? await db.getRepository(MusicTrack).findOne({ where: { id: plan.music.file_id } }) : null;
    const path = track ? join(config.dataDir, track.file_path) : serverMusic;
    if (path) music = { path, volume: plan.music.volume, fadeInSec: plan.music.fade_in_sec, fadeOutSec: plan.music.fade_out_sec };
  }
  return {
    language: plan.language,
    burnSubtitles: output.burn_subtitles,
    subtitleStyle: { fontSize, position: output.subtitle_position },
    narration: output.narration,
    music,
  };
}

/** Where takes live, under DATA_DIR. */
const TAKES_DIR = 'takes';

interface PlannedTake extends HashedScene {
  take: Take | null;
}

/**
 * Each scene with the newest take of the same content this render may reuse: one of the same
 * project (whoever made it: every member could watch it), or for a task without a project one of
 * the same owner's; a take whose file has gone is not used.
 */
async function matchTakes(
  db: DataSource,
  config: AppConfig,
  task: Pick<Task, 'project_id' | 'owner_id'>,
  plan: RenderPlan,
  look: SceneLook,
  renderer: string,
): Promise<PlannedTake[]> {
  const planned: PlannedTake[] = (await hashPlanScenes(db, task.project_id, plan, look, renderer)).map((p) => ({ ...p, take: null }));
  const hashes = [...new Set(planned.map((p) => p.hash))];
  const owned = task.project_id ? { project_id: task.project_id } : { project_id: IsNull(), created_by: task.owner_id };
  const takes = await db.getRepository(Take).find({ where: { ...owned, content_hash: In(hashes) }, order: { created_at: 'DESC' } });
  // A take someone picked for a scene wins while the scene is as it was when they picked it.
  const selections = task.project_id ? await db.getRepository(TakeSelection).find({ where: { project_id: task.project_id } }) : [];
  const picked = selections.length ? await db.getRepository(Take).find({ where: { id: In(selections.map((s) => s.take_id)) } }) : [];
  for (const p of planned) {
    const selection = selections.find((s) => s.scene_id === p.scene.id && s.scene_hash === p.hash);
    const take = selection && picked.find((t) => t.id === selection.take_id);
    if (take && (await stat(join(config.dataDir, take.clip_path)).catch(() => null))) {
      p.take = take;
      continue;
    }
    for (const take of takes.filter((t) => t.content_hash === p.hash)) {
      if (await stat(join(config.dataDir, take.clip_path)).catch(() => null)) {
        p.take = take;
        break;
      }
    }
  }
  return planned;
}

/** Moves a freshly rendered clip (and its poster) out of the task's folder into the takes and records it. */
async function keepTake(
  db: DataSource,
  config: AppConfig,
  task: Pick<Task, 'id' | 'project_id' | 'owner_id'>,
  row: { storyboard_scene_id: string | null; content_hash: string; params: SceneContentParams },
  clip: ClipInfo,
  poster: string | undefined,
): Promise<Take> {
  const id = randomUUID();
  const clipPath = join(TAKES_DIR, `${id}.mp4`);
  // Same file system: a rename, so the take is never half there.
  await rename(clip.path, join(config.dataDir, clipPath));
  let posterPath: string | null = null;
  if (poster) {
    posterPath = join(TAKES_DIR, `${id}.jpg`);
    await rename(poster, join(config.dataDir, posterPath));
  }
  const take: Take = {
    id,
    project_id: task.project_id,
    storyboard_scene_id: row.storyboard_scene_id,
    content_hash: row.content_hash,
    clip_path: clipPath,
    poster_path: posterPath,
    params: row.params,
    created_by: task.owner_id,
    task_id: task.id,
    duration: clip.duration,
    bytes: clip.bytes,
    sha256: clip.sha256,
    created_at: new Date(),
  };
  await db.getRepository(Take).insert(take);
  return take;
}

async function insertClipResource(db: DataSource, taskId: string, sceneId: string, take: Take): Promise<void> {
  const { width, height, fps } = take.params;
  await db.getRepository(VideoResource).insert({
    id: randomUUID(),
    task_id: taskId,
    scene_id: sceneId,
    kind: 'clip',
    file_path: take.clip_path,
    frame_rate: fps,
    resolution: `${width}x${height}`,
    duration: take.duration,
    bytes: take.bytes,
    sha256: take.sha256,
  });
}

function renderInWorker(
  db: DataSource,
  config: AppConfig,
  job: RenderJob,
  progress: JobProgress,
  signal: AbortSignal,
  onMessage: ((msg: WorkerMessage) => void) | undefined,
  /** Each finished clip, in order: kept as a take by the caller. */
  onClip: (clip: ClipInfo, sceneNumber: number, poster: string | undefined) => Promise<void>,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
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
    let clips = 0;
    let settled = false;
    // Messages are handled one at a time so database writes keep their order.
    let chain: Promise<void> = Promise.resolve();

    const finish = (err: Error | null) => {
      if (settled) return;
      settled = true;
      watchdog?.stop();
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
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
        case 'planned':
          plan = msg.plan;
          return;
        case 'scene-progress':
          progress.currentScene = msg.frames ? msg.frame / msg.frames : 0;
          return;
        case 'scene-done': {
          await onClip(msg.clip, msg.scene_number, msg.poster);
          clips += 1;
          progress.scenesDone += 1;
          progress.currentScene = 0;
          return;
        }
        case 'done':
          if (!plan || clips !== plan.scenes.length) throw new Error('render worker finished without every scene');
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
