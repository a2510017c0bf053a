import { Injectable } from '@nestjs/common';
import { StoryboardValidationError, appendScene, hasStoryboard, readStoryboard, writeStoryboard, type Storyboard, type StoryboardScene } from '@reelcraft/shared';
import * as Y from 'yjs';
import { StoryboardStore } from '../projects/storyboard-store';
import { CollabDocuments } from './collab-documents';

/**
 * The projects module's StoryboardStore on top of the collab documents: writes go through the same
 * store-then-apply path as an editor's keystrokes (so open editors see them at once), and a
 * snapshot reads the live document when one is open, the stored rows otherwise.
 */
@Injectable()
export class DocStoryboardStore extends StoryboardStore {
  constructor(private readonly documents: CollabDocuments) {
    super();
  }

  initialise(projectId: string, storyboard: Storyboard): Promise<void> {
    return this.change(projectId, (copy) => writeStoryboard(copy, storyboard));
  }

  appendScene(projectId: string, scene: StoryboardScene): Promise<void> {
    return this.change(projectId, (copy) => appendScene(copy, scene));
  }

  /** Edits a copy so that only the difference is stored, then applies it to whatever is there. */
  private async change(projectId: string, edit: (copy: Y.Doc) => void): Promise<void> {
    await this.documents.with(projectId, async (hosted) => {
      await hosted.idle();
      const copy = new Y.Doc();
      Y.applyUpdate(copy, Y.encodeStateAsUpdate(hosted.doc));
      const before = Y.encodeStateVector(copy);
      edit(copy);
      await hosted.applyServerUpdate(Y.encodeStateAsUpdate(copy, before));
      copy.destroy();
    });
  }

  async snapshot(projectId: string): Promise<Storyboard | null> {
    return this.documents.with(projectId, async (hosted) => {
      await hosted.idle();
      if (!hasStoryboard(hosted.doc)) return null;
      const read = readStoryboard(hosted.doc);
      if (!read.ok) throw new StoryboardValidationError(read.issues);
      return read.value;
    });
  }
}
