import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { StoryboardValidationError, readStoryboard, writeStoryboard, type Storyboard } from '@reelcraft/shared';
import { DataSource } from 'typeorm';
import * as Y from 'yjs';
import { StoryboardSnapshot } from './storyboard-snapshot.entity';
import { StoryboardStore } from './storyboard-store';

/**
 * The simple store: the whole document as one Yjs update (Y.encodeStateAsUpdate) per project, so
 * its rows load into the collab module's documents unchanged when that store takes over.
 */
@Injectable()
export class DbStoryboardStore extends StoryboardStore {
  constructor(@InjectDataSource() private readonly db: DataSource) {
    super();
  }

  async initialise(projectId: string, sb: Storyboard): Promise<void> {
    const doc = new Y.Doc();
    try {
      writeStoryboard(doc, sb, 'initialise');
      const state = Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64');
      await this.db.getRepository(StoryboardSnapshot).upsert({ project_id: projectId, state, updated_at: new Date() }, ['project_id']);
    } finally {
      doc.destroy();
    }
  }

  async snapshot(projectId: string): Promise<Storyboard | null> {
    const row = await this.db.getRepository(StoryboardSnapshot).findOne({ where: { project_id: projectId } });
    if (!row) return null;
    const doc = new Y.Doc();
    try {
      Y.applyUpdate(doc, Buffer.from(row.state, 'base64'));
      const result = readStoryboard(doc);
      if (!result.ok) throw new StoryboardValidationError(result.issues);
      return result.value;
    } finally {
      doc.destroy();
    }
  }
}
