import { setMaxListeners } from 'node:events';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ClipInfo, SceneJob, WorkerMessage } from '@reelcraft/inference';
import { DEFAULT_OUTPUT, type RenderPlan } from '@reelcraft/shared';
import type { AppConfig } from '../config/config';
import { assembleVideo, findCjkFontsDir, type AssembleOptions } from '../media/assemble-video';
import { renderMediaClip } from '../media/scene-media-clip';
import type { MusicTrackRepository } from '../music/music-track.repository';
import { clipVideo, type RenderRecords } from './render-records';
import { rendererIdentity, type SceneContentParams, type SceneLook } from './scene-hash';
import type { HashedScene } from './scene-plan';
import type { SceneScheduler } from './scene-scheduler';
import { SceneCancelledError } from './worker-pool';
import { TaskFailure } from './failure-code';
import { matchTakes } from './take-matching';
import type { Take } from './take.entity';
import type { TakeRepository } from './take.repository';
import type { Task } from './task.entity';
import type { VideoResource } from './video-resource.entity';

export interface JobProgress {
  scenesPlanned: number;
  scenesDone: number;
  /** 0..1 of each scene being rendered now, by scene number. */
  rendering: Map<number, number>;
  assembling: boolean;
}

/** Sets one rendering scene's share (undefined: it stopped rendering). */
function setSceneProgress(p: JobProgress, sceneNumber: number, fraction: number | undefined): void {
  if (fraction === undefined) p.rendering.delete(sceneNumber);
  else p.rendering.set(sceneNumber, fraction);
}

/** How many scenes' worth is drawn of the scenes rendering now (several at once with several workers). */
export const renderingShare = (p: Pick<JobProgress, 'rendering'>): number => [...p.rendering.values()].reduce((a, b) => a + b, 0);

export const overallProgress = (p: JobProgress): number =>
  p.scenesPlanned === 0 ? 0 : Math.min(0.99, (0.9 * (p.scenesDone + renderingShare(p))) / p.scenesPlanned + (p.assembling ? 0.05 : 0));

export const taskDir = (config: AppConfig, taskId: string) => join(config.dataDir, 'tasks', taskId);

/**
 * Where a render reads and writes: its task's records, the takes, the music library, and the
 * hashing of a plan's scenes (which looks up the uploads they show). The render path holds no
 * database handle of its own.
 */
export interface RenderStores {
  records: RenderRecords;
  takes: TakeRepository;
  music: MusicTrackRepository;
  hashScenes(projectId: string | null, plan: RenderPlan, look: SceneLook, renderer: string): Promise<HashedScene[]>;
}

/** What a task's render reports as it goes, besides its database rows. */
export interface RenderTaskListener {
  /** A render worker started drawing a scene. */
  onSceneStart?(sceneNumber: number): void;
  /** Every worker message as it arrives (live progress and previews for watchers). */
  onMessage?(msg: WorkerMessage): void;
}

/**
 * Carries one task from its plan to the final MP4. Each scene is first looked up among the
 * project's takes by the hash of everything that decides its pixels (scene-hash.ts): a scene
 * rendered before, unchanged, is reused (`cached`). Every other scene becomes a scene job of its
 * own, queued with the scene scheduler for a render worker (so frame drawing never blocks the
 * API, and other users' scenes take turns with these); each clip that comes back is kept as a
 * take under DATA_DIR/takes at once, so a retry after a failure or a restart reuses it. A chained
 * scene waits for its predecessor's clip and starts from its last frame. Then the final video is
 * assembled from the takes in storyboard order. Any earlier partial attempt of the task is
 * cleared first (its takes stay).
 */
export async function renderTask(
  stores: RenderStores,
  config: AppConfig,
  task: Pick<Task, 'id' | 'prompt' | 'plan' | 'project_id' | 'owner_id' | 'priority' | 'created_at'>,
  /** A usable diffusion export to render with; without one every scene is drawn as an animatic. */
  diffusionDir: string | undefined,
  progress: JobProgress,
  signal: AbortSignal,
  scheduler: SceneScheduler,
  listener: RenderTaskListener = {},
): Promise<VideoResource> {
  const taskId = task.id;
  const plan = task.plan;
  if (!plan) throw new Error('the task has no storyboard to render');
  const dir = taskDir(config, taskId);
  const { records } = stores;
  await records.reset(taskId);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await mkdir(join(config.dataDir, TAKES_DIR), { recursive: true });

  const fontsDir = findCjkFontsDir();
  if (!fontsDir) throw new TaskFailure('font_missing', 'no CJK font found for subtitles: install fonts-wqy-microhei (apt-get install fonts-wqy-microhei)');

  // A storyboard people edited brings its own size, frame rate and seed; a planned prompt uses the server's.
  const look = plan.style ?? { width: config.render.width, height: config.render.height, fps: config.render.fps, seed: undefined };
  const renderer = await rendererIdentity(diffusionDir);
  const scope = task.project_id ? { projectId: task.project_id } : { ownerId: task.owner_id };
  const clipExists = async (take: Take) => !!(await stat(join(config.dataDir, take.clip_path)).catch(() => null));
  const scenes = await matchTakes(stores.takes, scope, await stores.hashScenes(task.project_id, plan, look, renderer), clipExists);
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
  await records.addScenes(rows.map(({ params: _p, ...row }) => row));
  for (const [i, { take }] of scenes.entries()) if (take) await records.addVideo(clipVideo(taskId, rows[i]!.id, take));
  progress.scenesPlanned = plan.scenes.length;
  progress.scenesDone = scenes.filter((s) => s.take).length;

  /** A clip made for this render becomes a take, the scene's clip in this task, and one more scene done. */
  const recordTake = async (row: (typeof rows)[number], clip: ClipInfo, poster: string | undefined, lastFrame: string | undefined) => {
    const take = await keepTake(stores.takes, config, task, row, clip, poster, lastFrame);
    scenes[rows.indexOf(row)]!.take = take;
    await records.sceneDone(row.id, take.id);
    await records.addVideo(clipVideo(taskId, row.id, take));
    return take;
  };

  // Scenes with an uploaded picture or clip are made here (one ffmpeg each); render workers draw the rest.
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
    await recordTake(row, clip, undefined, undefined);
    progress.scenesDone += 1;
  }

  // One failed scene stops its task's other scenes; the task's own cancel stops them all.
  const stop = new AbortController();
  // Every scene of the task listens to it (a hundred-scene storyboard is no leak).
  setMaxListeners(0, stop.signal);
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const base: Omit<SceneJob, 'jobId' | 'outDir' | 'scene'> = {
    taskId,
    title: plan.title,
    caption: plan.output?.caption_card ?? true,
    width: look.width,
    height: look.height,
    fps: look.fps,
    ...(look.seed !== undefined ? { seed: look.seed } : {}),
    ...(plan.style ? { style: { stylePrompt: plan.style.style_prompt, negativePrompt: plan.style.negative_prompt } } : {}),
    ...(config.render.threads ? { threads: config.render.threads } : {}),
    ...(config.render.device !== 'cpu' ? { device: config.render.device } : {}),
    ...(diffusionDir ? { diffusionDir } : {}),
  };
  // Each scene's take, as soon as it exists: what a chained successor waits for.
  const takes: Promise<Take>[] = [];
  for (const [i, row] of rows.entries()) {
    const planned = scenes[i]!;
    if (planned.take) {
      takes.push(Promise.resolve(planned.take));
      continue;
    }
    const previous = takes[i - 1];
    takes.push(
      (async () => {
        let chainFrom: string | undefined;
        if (planned.scene.chained && previous) {
          // A predecessor that failed or was cancelled stops this scene too.
          const before = await previous.catch(() => {
            throw new SceneCancelledError();
          });
          // A predecessor reused from before chaining existed, or made from an upload, has no last frame: the scene starts on its own.
          const lastFrame = before.last_frame_path ? join(config.dataDir, before.last_frame_path) : undefined;
          if (lastFrame && (await stat(lastFrame).catch(() => null))) chainFrom = lastFrame;
        }
        const done = await scheduler.submit({
          job: { ...base, scene: planned.scene, ...(chainFrom ? { chainFrom } : {}) },
          outRoot: join(dir, 'jobs'),
          ownerId: task.owner_id,
          priority: task.priority,
          taskCreatedAt: task.created_at,
          order: row.scene_number,
          signal: stop.signal,
          onStart: () => {
            setSceneProgress(progress, row.scene_number, 0);
            // Not awaited: the worker is already drawing. A failed write only loses the 'rendering' mark; the scene's end is written after.
            records.sceneStarted(row.id, new Date()).catch(() => undefined);
            listener.onSceneStart?.(row.scene_number);
          },
          onMessage: (msg) => {
            if (msg.type === 'scene-progress') setSceneProgress(progress, row.scene_number, msg.frames ? msg.frame / msg.frames : 0);
            listener.onMessage?.(msg);
          },
        });
        listener.onMessage?.(done);
        const take = await recordTake(row, done.clip, done.poster, done.last_frame);
        setSceneProgress(progress, row.scene_number, undefined);
        progress.scenesDone += 1;
        return take;
      })().catch(async (err: Error) => {
        stop.abort();
        setSceneProgress(progress, row.scene_number, undefined);
        const cancelled = err instanceof SceneCancelledError;
        await records.sceneStopped(row.id, cancelled ? 'cancelled' : 'failed');
        throw err;
      }),
    );
  }
  const settled = await Promise.allSettled(takes);
  signal.removeEventListener('abort', onAbort);
  // The first real failure names the task's error; the scenes it stopped only say 'cancelled'.
  const failures = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error);
  const failure = failures.find((e) => !(e instanceof SceneCancelledError)) ?? failures[0];
  if (failure) throw failure;

  progress.assembling = true;
  const outPath = join(dir, 'final.mp4');
  const final = await assembleVideo({
    // The take's recorded hash names its clip in the segment cache without reading it again.
    clips: scenes.map(({ take }) => ({ path: join(config.dataDir, take!.clip_path), duration: take!.duration, sha256: take!.sha256 })),
    // A storyboard's scenes bring their transitions (crossfade, fade through black) along.
    scenes: plan.scenes,
    outPath,
    workDir: dir,
    width: look.width,
    height: look.height,
    fps: look.fps,
    ...(await deliveryOptions(stores.music, plan, look, config)),
    fontsDir,
    // Segments (scene bodies, transitions) of earlier renders are reused: after a one-scene edit
    // only that scene's segment and the transitions touching it are encoded again.
    segmentCacheDir: join(config.dataDir, SEGMENTS_DIR),
    segmentCacheMaxBytes: config.render.segmentCacheBytes,
    signal,
  });
  const video: VideoResource = {
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
    created_at: new Date(),
  };
  await records.addVideo(video);
  return video;
}

/**
 * How the storyboard asks for its video to be delivered: subtitles burnt in or only as the soft
 * track, their size and place, narration, and its music settings. A seed-API plan has none of
 * these: it gets burnt subtitles and the server's MUSIC_FILE, as before.
 */
async function deliveryOptions(music: MusicTrackRepository, plan: RenderPlan, look: SceneLook, config: AppConfig): Promise<Pick<AssembleOptions, 'language' | 'burnSubtitles' | 'subtitleStyle' | 'narration' | 'music'>> {
  const output = plan.output ?? DEFAULT_OUTPUT;
  // The assembler's own size for this height (7 % of the short side), scaled as the storyboard asks.
  const fontSize = Math.max(12, Math.round(Math.min(look.width, look.height) * 0.07 * output.subtitle_scale));
  const serverMusic = config.render.musicFile;
  let track: AssembleOptions['music'] = null;
  if (!plan.music) track = serverMusic ? { path: serverMusic } : null;
  else if (plan.music.enabled) {
    // The storyboard's pick from the music library; none (or a track since deleted): the server's MUSIC_FILE.
    const picked = plan.music.file_id ? await music.findById(plan.music.file_id) : null;
    const path = picked ? join(config.dataDir, picked.file_path) : serverMusic;
    if (path) track = { path, volume: plan.music.volume, fadeInSec: plan.music.fade_in_sec, fadeOutSec: plan.music.fade_out_sec };
  }
  return {
    language: plan.language,
    burnSubtitles: output.burn_subtitles,
    subtitleStyle: { fontSize, position: output.subtitle_position },
    narration: output.narration,
    music: track,
  };
}

/** Where assembled segments are cached, under DATA_DIR. */
const SEGMENTS_DIR = 'segments';

/** Where takes live, under DATA_DIR. */
const TAKES_DIR = 'takes';

/** Moves a freshly rendered clip (and its poster) out of the task's folder into the takes and records it. */
async function keepTake(
  takes: TakeRepository,
  config: AppConfig,
  task: Pick<Task, 'id' | 'project_id' | 'owner_id'>,
  row: { storyboard_scene_id: string | null; content_hash: string; params: SceneContentParams },
  clip: ClipInfo,
  poster: string | undefined,
  lastFrame: string | undefined,
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
  let lastFramePath: string | null = null;
  if (lastFrame) {
    lastFramePath = join(TAKES_DIR, `${id}.last.rgb`);
    await rename(lastFrame, join(config.dataDir, lastFramePath));
  }
  const take: Take = {
    id,
    project_id: task.project_id,
    storyboard_scene_id: row.storyboard_scene_id,
    content_hash: row.content_hash,
    clip_path: clipPath,
    poster_path: posterPath,
    last_frame_path: lastFramePath,
    params: row.params,
    created_by: task.owner_id,
    task_id: task.id,
    duration: clip.duration,
    bytes: clip.bytes,
    sha256: clip.sha256,
    created_at: new Date(),
  };
  await takes.insert(take);
  return take;
}
