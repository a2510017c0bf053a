import type { RenderPlan, RenderScene } from '@reelcraft/shared';
import { In, type DataSource } from 'typeorm';
import { SceneMedia } from '../media/scene-media.entity';
import { sceneContentHash, sceneContentParams, sceneRenderer, type SceneContentParams, type SceneLook } from './scene-hash';

/** One scene of a plan with what decides its pixels, their hash, and the upload it shows (if any). */
export interface HashedScene {
  scene: RenderScene;
  params: SceneContentParams;
  hash: string;
  upload: SceneMedia | undefined;
}

/**
 * Every scene of the plan hashed as a render computes it: the render matches takes by these
 * hashes, and the takes panel says which take matches the scene now, so both call this.
 */
export async function hashPlanScenes(db: DataSource, projectId: string | null, plan: RenderPlan, look: SceneLook, renderer: string): Promise<HashedScene[]> {
  const media = await uploadsOf(db, projectId, plan);
  const hashed: HashedScene[] = [];
  for (const [i, scene] of plan.scenes.entries()) {
    const upload = scene.media_id ? media.get(scene.media_id) : undefined;
    // An uploaded picture or clip is shown as it is: it continues nothing, chained or not.
    const chainedFrom = isChained(scene, i) && !upload ? hashed[i - 1]!.hash : null;
    const params = sceneContentParams(scene, plan, look, sceneRenderer(scene, renderer, media), chainedFrom);
    hashed.push({ scene, params, hash: sceneContentHash(params), upload });
  }
  return hashed;
}

/** Whether the scene at position `i` starts from its predecessor's last frame (never the first). */
export const isChained = (scene: RenderScene, i: number): boolean => i > 0 && scene.chained === true;

/** The uploads the plan's scenes show, by id (only the project's own). */
async function uploadsOf(db: DataSource, projectId: string | null, plan: RenderPlan): Promise<Map<string, SceneMedia>> {
  const ids = [...new Set(plan.scenes.flatMap((s) => (s.media_id ? [s.media_id] : [])))];
  if (!projectId || ids.length === 0) return new Map();
  const rows = await db.getRepository(SceneMedia).find({ where: { project_id: projectId, id: In(ids) } });
  return new Map(rows.map((m) => [m.id, m]));
}
