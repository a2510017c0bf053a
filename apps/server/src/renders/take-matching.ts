import type { HashedScene } from './scene-plan';
import type { Take } from './take.entity';
import type { TakeRepository, TakeScope } from './take.repository';

export interface MatchedScene extends HashedScene {
  /** The take the render uses for the scene; null: it must be drawn. */
  take: Take | null;
}

/**
 * Each scene with the take a render may use instead of drawing it: the one someone picked for it,
 * while the scene is as it was when they picked it; else the newest take of the same content in
 * the render's scope (its project, whoever made it: every member could watch it; or for a task
 * without a project, its owner's own). A take whose clip is gone (`usable` says) is passed over.
 */
export async function matchTakes(
  takes: TakeRepository,
  scope: TakeScope,
  hashed: readonly HashedScene[],
  usable: (take: Take) => Promise<boolean>,
): Promise<MatchedScene[]> {
  const matched: MatchedScene[] = hashed.map((h) => ({ ...h, take: null }));
  const candidates = await takes.reusable(scope, matched.map((m) => m.hash));
  const selections = 'projectId' in scope ? await takes.selections(scope.projectId) : [];
  const picked = await takes.byIds(selections.map((s) => s.take_id));
  for (const m of matched) {
    const selection = selections.find((s) => s.scene_id === m.scene.id && s.scene_hash === m.hash);
    const pick = selection && picked.find((t) => t.id === selection.take_id);
    if (pick && (await usable(pick))) {
      m.take = pick;
      continue;
    }
    for (const take of candidates.filter((t) => t.content_hash === m.hash)) {
      if (await usable(take)) {
        m.take = take;
        break;
      }
    }
  }
  return matched;
}
