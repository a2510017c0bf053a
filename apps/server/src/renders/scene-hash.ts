import type { RenderPlan, RenderScene } from '@reelcraft/shared';
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';

/** Bumped when the animatic renderer draws differently, so old takes stop matching. */
const ANIMATIC_VERSION = 'animatic/1';
/** The files of a diffusion export whose identity decides its pictures. */
const DIFFUSION_FILES = ['text_encoder/model.onnx', 'unet/model.onnx', 'vae_decoder/model.onnx', 'scheduler/scheduler_config.json'];

/** What draws the scenes, as far as their pixels are concerned: the renderer and its model files' identity. */
export async function rendererIdentity(diffusionDir: string | undefined): Promise<string> {
  if (!diffusionDir) return ANIMATIC_VERSION;
  const files = await Promise.all(
    DIFFUSION_FILES.map(async (f) => {
      const s = await stat(join(diffusionDir, f)).catch(() => null);
      return s ? `${f}:${s.size}:${Math.round(s.mtimeMs)}` : `${f}:-`;
    }),
  );
  return `diffusion:${basename(diffusionDir)}:${files.join(',')}`;
}

/** What draws a scene that shows an uploaded picture or clip: the upload's content, not a model. */
export function mediaRenderer(sha256: string): string {
  return `media/1:${sha256}`;
}

/** The renderer identity of one scene: its upload's when it has one, else the storyboard's renderer. */
export function sceneRenderer(scene: RenderScene, renderer: string, media: ReadonlyMap<string, { sha256: string }>): string {
  const upload = scene.media_id ? media.get(scene.media_id) : undefined;
  return upload ? mediaRenderer(upload.sha256) : renderer;
}

export interface SceneLook {
  width: number;
  height: number;
  fps: number;
  seed?: number;
}

/** What a take was rendered from, as hashed (shown with the take). */
export interface SceneContentParams {
  renderer: string;
  title: string;
  scene_number: number;
  description: string;
  characters: string[];
  camera: RenderScene['camera'];
  duration_sec: number;
  scene_seed: number | null;
  style_prompt: string;
  negative_prompt: string;
  seed: number | null;
  width: number;
  height: number;
  fps: number;
  /** The animatic's caption card and playhead. */
  caption_card: boolean;
  /**
   * A chained scene starts from its predecessor's last frame, so it is that predecessor's content
   * hash (which in turn holds its own predecessor's when chained). Absent for a scene of its own,
   * so the hashes of takes made before chaining existed still match.
   */
  chained_from?: string;
}

/**
 * Everything that decides a scene's pixels, and nothing that does not (subtitles and transitions
 * are the assembly's): the renderer, the scene's prompt (description, camera, characters), the
 * storyboard's style and negative prompt, the seeds (the video's and the scene's own), the scene's
 * number (the animatic's caption shows it) and whether the caption card is drawn, duration, size
 * and frame rate, the title (the animatic's theme), and for a chained scene the hash of the scene it
 * continues. Two scenes with the same hash render to the same clip.
 */
export function sceneContentParams(
  scene: RenderScene,
  plan: Pick<RenderPlan, 'title' | 'style' | 'output'>,
  look: SceneLook,
  renderer: string,
  /** The previous scene's content hash when this scene is chained to it. */
  chainedFrom: string | null = null,
): SceneContentParams {
  return {
    renderer,
    title: plan.title,
    scene_number: scene.scene_number,
    description: scene.description,
    characters: scene.characters ?? [],
    camera: scene.camera,
    duration_sec: scene.duration_sec,
    scene_seed: scene.seed ?? null,
    style_prompt: plan.style?.style_prompt ?? '',
    negative_prompt: plan.style?.negative_prompt ?? '',
    seed: look.seed ?? null,
    width: look.width,
    height: look.height,
    fps: look.fps,
    caption_card: plan.output?.caption_card ?? true,
    ...(chainedFrom ? { chained_from: chainedFrom } : {}),
  };
}

export function sceneContentHash(params: SceneContentParams): string {
  return createHash('sha256').update(canonicalJson(params)).digest('hex');
}

/** JSON with object keys sorted at every level, so equal content always hashes equally. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
