import type { Storyboard, StoryboardScene } from '@reelcraft/shared';

/**
 * Where a project's storyboard lives: the collab module's live, update-log-backed documents
 * (DocStoryboardStore), laid out by writeStoryboard (libs/shared storyboard-ydoc). An abstract
 * class so that the projects module does not depend on how collab stores documents.
 */
export abstract class StoryboardStore {
  /** Replaces the project's storyboard with `sb` (a new project, or a plan that just arrived). */
  abstract initialise(projectId: string, sb: Storyboard): Promise<void>;
  /** Adds one scene at the end, as one edit that every open editor receives. */
  abstract appendScene(projectId: string, scene: StoryboardScene): Promise<void>;
  /**
   * The current storyboard, validated; null when the project has none stored. Throws
   * StoryboardValidationError (from libs/shared) when the stored document breaks the schema.
   */
  abstract snapshot(projectId: string): Promise<Storyboard | null>;
}
