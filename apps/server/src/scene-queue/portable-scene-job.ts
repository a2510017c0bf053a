import { basename, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { parseSceneJob, type ClipInfo, type SceneDoneMessage, type SceneJob } from '@reelcraft/inference';

/**
 * A scene job as it travels through Redis to a render worker on any host: the same fields as the
 * local SceneJob, but no absolute path of this server's. Its folder, and the previous scene's last
 * frame of a chained scene, are named relative to DATA_DIR (the servers share that volume); the
 * diffusion model relative to MODELS_DIR (each worker loads it from its own models/ folder).
 */
export interface PortableSceneJob extends Omit<SceneJob, 'outDir' | 'diffusionDir' | 'chainFrom' | 'device' | 'threads'> {
  /** The job's folder under DATA_DIR: where its clip, poster and last frame end up on the servers. */
  outDir: string;
  /** The diffusion export's folder under MODELS_DIR; absent: the scene is drawn as an animatic. */
  model?: string;
  /** A chained scene: the previous scene's last frame under DATA_DIR. */
  chainFrom?: string;
}

/** What a worker hands back for a scene: the scene-done with file names inside the job's folder instead of paths. */
export interface PortableSceneDone {
  clip: ClipInfo;
  poster?: string;
  last_frame?: string;
}

/** The files a worker may put into a job's folder, by the names the renderer gives them. */
export const SCENE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\.(mp4|jpg|rgb)$/;

/** A path under `root`, relative and without '..', or undefined when it is outside. */
export function pathUnder(root: string, path: string): string | undefined {
  const rel = relative(root, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : undefined;
}

function safeRelative(path: string): boolean {
  const n = normalize(path);
  return path.length <= 1000 && !isAbsolute(path) && n !== '..' && !n.startsWith(`..${sep}`) && !n.includes(`${sep}..${sep}`) && !path.includes('\0');
}

/** The local job as it goes into the queue; throws when a path is not under DATA_DIR / MODELS_DIR (a misconfiguration). */
export function toPortable(job: SceneJob, dirs: { dataDir: string; modelsDir: string }): PortableSceneJob {
  const { outDir, diffusionDir, chainFrom, device: _device, threads: _threads, ...rest } = job;
  const under = (root: string, path: string, what: string) => {
    const rel = pathUnder(root, path);
    if (!rel) throw new Error(`${what} ${path} is not under ${root}: remote render workers cannot reach it`);
    return rel;
  };
  return {
    ...rest,
    outDir: under(dirs.dataDir, outDir, 'the scene folder'),
    ...(diffusionDir ? { model: under(dirs.modelsDir, diffusionDir, 'the diffusion model') } : {}),
    ...(chainFrom ? { chainFrom: under(dirs.dataDir, chainFrom, "the previous scene's last frame") } : {}),
  };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Checks a job read from Redis (anyone who can write to Redis can put one there) and gives the
 * worker its local SceneJob: folder, model and chain frame resolved against the worker's own
 * directories, the device its own.
 */
export function fromPortable(
  data: unknown,
  local: { outDir: string; modelsDir: string; chainFrom?: string; device?: SceneJob['device']; threads?: number },
): Parsed<SceneJob> {
  if (typeof data !== 'object' || data === null) return { ok: false, error: 'job data must be an object' };
  // The server's threads and device are its own: the worker runs with its own.
  const { outDir, model, chainFrom, threads: _threads, device: _device, ...rest } = data as Record<string, unknown>;
  if (typeof outDir !== 'string' || !safeRelative(outDir)) return { ok: false, error: 'outDir must be a relative path inside DATA_DIR' };
  if (model !== undefined && (typeof model !== 'string' || !safeRelative(model))) return { ok: false, error: 'model must be a relative path inside MODELS_DIR' };
  if (chainFrom !== undefined && (typeof chainFrom !== 'string' || !safeRelative(chainFrom))) return { ok: false, error: 'chainFrom must be a relative path inside DATA_DIR' };
  if (chainFrom !== undefined && !local.chainFrom) return { ok: false, error: "a chained scene needs the previous scene's last frame" };
  const job = parseSceneJob({
    ...rest,
    outDir: local.outDir,
    ...(model ? { diffusionDir: join(local.modelsDir, model) } : {}),
    ...(chainFrom ? { chainFrom: local.chainFrom } : {}),
    ...(local.device && local.device !== 'cpu' ? { device: local.device } : {}),
    ...(local.threads ? { threads: local.threads } : {}),
  });
  return job;
}

/** A worker's scene-done as names inside its job folder. */
export function toPortableDone(done: SceneDoneMessage): PortableSceneDone {
  return {
    clip: { ...done.clip, path: basename(done.clip.path) },
    ...(done.poster ? { poster: basename(done.poster) } : {}),
    ...(done.last_frame ? { last_frame: basename(done.last_frame) } : {}),
  };
}

/** The server's scene-done for a job whose files are in `dir`; undefined when the worker's answer is malformed. */
export function fromPortableDone(value: unknown, jobId: string, sceneNumber: number, dir: string): SceneDoneMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Partial<PortableSceneDone>;
  const clip = v.clip;
  const name = (x: unknown) => typeof x === 'string' && SCENE_FILE_NAME.test(x);
  if (!clip || !name(clip.path) || typeof clip.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(clip.sha256)) return undefined;
  for (const k of ['frames', 'duration', 'bytes', 'frame_rate'] as const) if (typeof clip[k] !== 'number' || !(clip[k] >= 0)) return undefined;
  if (typeof clip.resolution !== 'string' || !/^\d+x\d+$/.test(clip.resolution)) return undefined;
  if ((v.poster !== undefined && !name(v.poster)) || (v.last_frame !== undefined && !name(v.last_frame))) return undefined;
  return {
    type: 'scene-done',
    job_id: jobId,
    scene_number: sceneNumber,
    clip: { ...clip, path: join(dir, clip.path) },
    ...(v.poster ? { poster: join(dir, v.poster) } : {}),
    ...(v.last_frame ? { last_frame: join(dir, v.last_frame) } : {}),
  };
}
