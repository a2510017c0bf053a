import { Injectable, Logger } from '@nestjs/common';
import { SceneEditError, isAbortError, type SceneEdit, type SceneWindow } from '@reelcraft/inference';
import {
  LIMITS,
  SceneEditConflict,
  StoryboardValidationError,
  mergeSceneWithNext,
  planTitle,
  plannedScene,
  rewriteSceneContent,
  scenesById,
  splitSceneInTwo,
  type PlannedScene,
  type SceneEditKind,
  type SceneEditResult,
  type Storyboard,
} from '@reelcraft/shared';
import type * as Y from 'yjs';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CollabDocuments } from '../collab/collab-documents';
import { DocumentTooLarge } from '../collab/hosted-doc';
import { ContentScreening, blocked } from '../moderation/content-screening';
import { ReviewQueue } from '../moderation/review-queue';
import { PlanningService } from '../planning/planning.service';
import { ProjectsService } from './projects.service';
import { StoryboardStore } from './storyboard-store';
import { apiError } from '../common/api-error';

/**
 * The storyboard editor's planner calls: rewrite a scene as an instruction asks, split a scene in
 * two, merge a scene with the next one. Each reads the scene(s) from the live storyboard, asks the
 * planner with a window of the storyboard (the scene and its neighbours, whatever the storyboard's
 * size), then applies the answer to the live document as one server edit (stored, then relayed to
 * every connected editor), addressing scenes by id: a scene deleted meanwhile is a 404, one locked
 * or moved meanwhile a 409, and nothing is changed then.
 */
@Injectable()
export class SceneEditsService {
  private readonly logger = new Logger('SceneEdits');

  constructor(
    private readonly projects: ProjectsService,
    private readonly store: StoryboardStore,
    private readonly documents: CollabDocuments,
    private readonly planning: PlanningService,
    private readonly screening: ContentScreening,
    private readonly reviews: ReviewQueue,
  ) {}

  async rewrite(user: AuthenticatedUser, projectId: string, sceneId: string, instruction: string, signal?: AbortSignal): Promise<SceneEditResult> {
    const { sb, index } = await this.editable(user, projectId, sceneId);
    const actor = { id: user.id, username: user.username };
    const asked = await this.screening.enforce(instruction, 'scene_instruction', { actor, where: `POST /api/projects/${projectId}/scenes/${sceneId}/rewrite`, target: projectId });
    // The instruction only steers the model, whose words are screened in turn: a held one goes ahead and is listed for the admin.
    if (asked.held) await this.reviews.hold('project', projectId, asked.text, asked.held, 'scene_instruction', actor);
    const outcome = await this.ask('rewrite', { type: 'rewrite', context: windowOf(sb, index, index), sceneNumber: index + 1, instruction: asked.text }, signal);
    const [scene] = outcome.scenes;
    await this.apply(projectId, user, signal, (doc) => rewriteSceneContent(doc, sceneId, content(scene!)));
    return this.result(projectId, 'rewrite', [sceneId], null, outcome.report);
  }

  async split(user: AuthenticatedUser, projectId: string, sceneId: string, signal?: AbortSignal): Promise<SceneEditResult> {
    const { sb, index } = await this.editable(user, projectId, sceneId);
    if (sb.scenes.length >= LIMITS.storyboard.scenes.max) throw apiError(409, 'scenes_full', `a storyboard can hold at most ${LIMITS.storyboard.scenes.max} scenes: delete one before splitting`, { max: LIMITS.storyboard.scenes.max });
    if (!sb.scenes[index]!.description.trim()) throw apiError(409, 'scene_empty', 'the scene has no description to split: write one first');
    const outcome = await this.ask('split', { type: 'split', context: windowOf(sb, index, index), sceneNumber: index + 1 }, signal);
    const [first, second] = outcome.scenes;
    let added = '';
    await this.apply(projectId, user, signal, (doc) => (added = splitSceneInTwo(doc, sceneId, content(first!), content(second!))));
    return this.result(projectId, 'split', [sceneId, added], null, outcome.report);
  }

  async mergeNext(user: AuthenticatedUser, projectId: string, sceneId: string, signal?: AbortSignal): Promise<SceneEditResult> {
    const { sb, index } = await this.editable(user, projectId, sceneId);
    const next = sb.scenes[index + 1];
    if (!next) throw apiError(409, 'no_next_scene', 'this is the last scene: there is no next scene to merge it with');
    if (next.locked) throw apiError(409, 'scene_locked', `scene ${index + 2} is locked: unlock it first`, { scene: index + 2 });
    if (!sb.scenes[index]!.description.trim() && !next.description.trim()) throw apiError(409, 'nothing_to_merge', 'both scenes are empty: there is nothing to merge');
    const outcome = await this.ask('merge', { type: 'merge', context: windowOf(sb, index, index + 1), sceneNumber: index + 1 }, signal);
    const [merged] = outcome.scenes;
    await this.apply(projectId, user, signal, (doc) => mergeSceneWithNext(doc, sceneId, next.id, content(merged!)));
    return this.result(projectId, 'merge', [sceneId], next.id, outcome.report);
  }

  // ------------------------------------------------------------------------------------------

  /** The live storyboard and the scene's position, for an editor or owner; a locked scene is a 409. */
  private async editable(user: AuthenticatedUser, projectId: string, sceneId: string): Promise<{ sb: Storyboard; index: number }> {
    await this.projects.open(user, projectId, 'edit');
    let sb: Storyboard | null;
    try {
      sb = await this.store.snapshot(projectId);
    } catch (err) {
      if (err instanceof StoryboardValidationError) throw apiError(409, 'storyboard_invalid', err.message, undefined, { issues: err.issues });
      throw err;
    }
    const index = sb ? sb.scenes.findIndex((s) => s.id === sceneId) : -1;
    if (!sb || index < 0) throw apiError(404, 'scene_not_found', `no scene ${sceneId} in this project`);
    if (sb.scenes[index]!.locked) throw apiError(409, 'scene_locked', `scene ${index + 1} is locked: unlock it first`, { scene: index + 1 });
    return { sb, index };
  }

  /** The planner's answer; `signal` (the client gone) cancels the LLM's work, which then answers nobody. */
  private async ask(kind: SceneEditKind, edit: SceneEdit, signal?: AbortSignal) {
    try {
      const outcome = await this.planning.editScene(edit, { signal });
      if (outcome.report.fallback_reason) this.logger.warn(`${kind}: ${outcome.report.fallback_reason}; done by rule instead`);
      // The model's words pass the filter like a planned storyboard's: masked, or the edit is refused.
      const screened = await this.screening.screenPlan({ language: 'en', title: '', scenes: outcome.scenes }, 'planner_output', { actor: null, where: `scene ${kind}` });
      if (screened.blocked.length) throw blocked(screened.blocked[0], screened.blocked);
      return { ...outcome, scenes: screened.plan.scenes };
    } catch (err) {
      if (err instanceof SceneEditError) {
        if (err.code === 'llm-failed') throw apiError(503, 'model_failed', err.message);
        if (err.code === 'needs-model') throw apiError(409, 'model_missing', err.message);
        throw apiError(409, 'scene_edit_invalid', err.message);
      }
      if (signal?.aborted && isAbortError(err)) throw signal.reason;
      throw err;
    }
  }

  /**
   * One server edit of the live document: stored, then relayed to everyone who has it open; not
   * made at all when the client has gone meanwhile (nobody would see why the storyboard changed).
   */
  private async apply(projectId: string, user: AuthenticatedUser, signal: AbortSignal | undefined, change: (doc: Y.Doc) => void): Promise<void> {
    signal?.throwIfAborted();
    try {
      await this.documents.applyServerChange(projectId, change, user.id);
    } catch (err) {
      if (err instanceof SceneEditConflict) throw sceneEditConflict(err);
      if (err instanceof StoryboardValidationError) throw apiError(409, 'storyboard_invalid', err.message, undefined, { issues: err.issues });
      if (err instanceof DocumentTooLarge) throw apiError(409, 'storyboard_too_large', `the edit would make the storyboard too large: ${err.message}`);
      throw err;
    }
    await this.projects.touch(projectId);
  }

  private async result(projectId: string, edit: SceneEditKind, ids: string[], removed: string | null, planner: SceneEditResult['planner']): Promise<SceneEditResult> {
    const scenes = await this.documents.with(projectId, async (hosted) => {
      await hosted.idle();
      return scenesById(hosted.doc, ids);
    });
    return { edit, scenes, removed_scene_id: removed, planner };
  }
}

/** The answer to an edit the live storyboard refused: the scene gone (404), locked, moved or the storyboard full (409). */
function sceneEditConflict(err: SceneEditConflict) {
  if (err.code === 'gone') return apiError(404, 'scene_not_found', err.message);
  if (err.code === 'full') return apiError(409, 'scenes_full', err.message, { max: LIMITS.storyboard.scenes.max });
  if (err.code === 'moved') return apiError(409, 'scene_moved', err.message);
  const scene = /scene (\d+)/.exec(err.message)?.[1];
  return scene ? apiError(409, 'scene_locked', err.message, { scene: Number(scene) }) : apiError(409, 'conflict', err.message);
}

/** The planner-written fields of a scene. */
const content = (s: PlannedScene) => ({ description: s.description, subtitle: s.subtitle, camera: s.camera, duration_sec: s.duration_sec });

/** Scenes `from`..`to` (positions) and one neighbour on each side, numbered by their place in the storyboard. */
function windowOf(sb: Storyboard, from: number, to: number): SceneWindow {
  const start = Math.max(0, from - 1);
  const scenes = sb.scenes.slice(start, Math.min(sb.scenes.length, to + 2)).map((s, k) => plannedScene(s, start + k + 1));
  return { language: sb.language, title: planTitle(sb), scenes };
}
