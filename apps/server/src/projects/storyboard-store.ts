import type { Storyboard } from '@reelcraft/shared';

/**
 * Where a project's storyboard lives. ProjectsModule provides a DB-backed one (one Yjs snapshot
 * per project); the collab module replaces the provider with its live, update-log-backed documents.
 * Both keep the storyboard as a Y.Doc laid out by writeStoryboard (libs/shared storyboard-ydoc).
 */
export abstract class StoryboardStore {
  /** Replaces the project's storyboard with `sb` (a new project, or a plan that just arrived). */
  abstract initialise(projectId: string, sb: Storyboard): Promise<void>;
  /**
   * The current storyboard, validated; null when the project has none stored. Throws
   * StoryboardValidationError (from libs/shared) when the stored document breaks the schema.
   */
  abstract snapshot(projectId: string): Promise<Storyboard | null>;
}
