import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, LessThanOrEqual } from 'typeorm';
import { DOC_UPDATE, type DocUpdate } from './doc-update.entity';

export interface StoredDocument {
  updates: Uint8Array[];
  /** Highest seq stored, 0 for a document with no rows. */
  lastSeq: number;
}

/** Persistence of the collab documents: fetch bytes, store bytes, merge bytes. Nothing else touches doc_updates. */
@Injectable()
export class DocUpdatesRepository {
  private compacting: Promise<void> = Promise.resolve();

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private get rows() {
    return this.db.getRepository<DocUpdate>(DOC_UPDATE);
  }

  async load(projectId: string): Promise<StoredDocument> {
    const rows = await this.rows.find({ where: { project_id: projectId }, order: { seq: 'ASC' }, select: { seq: true, update: true } });
    return { updates: rows.map((r) => new Uint8Array(r.update.buffer, r.update.byteOffset, r.update.byteLength)), lastSeq: rows.at(-1)?.seq ?? 0 };
  }

  /**
   * Stores updates as rows firstSeq, firstSeq+1, … in one INSERT (all or none). The caller hands
   * out seqs (one writer per document); the unique index turns a second writer into an error, not a fork.
   */
  async append(projectId: string, firstSeq: number, updates: { update: Uint8Array; userId: string | null }[]): Promise<void> {
    await this.rows.insert(
      updates.map(({ update, userId }, i) => ({
        id: randomUUID(),
        project_id: projectId,
        seq: firstSeq + i,
        update: Buffer.from(update.buffer, update.byteOffset, update.byteLength),
        user_id: userId,
      })),
    );
  }

  /** Replaces rows 1..upToSeq by one snapshot row at upToSeq, atomically, so a crash leaves either form. */
  compact(projectId: string, upToSeq: number, snapshot: Uint8Array): Promise<void> {
    // One compaction at a time: SQLite runs every query on one connection, where two overlapping
    // transactions fail ("cannot start a transaction within a transaction").
    const run = this.compacting.then(() => this.compactNow(projectId, upToSeq, snapshot));
    this.compacting = run.catch(() => undefined);
    return run;
  }

  private async compactNow(projectId: string, upToSeq: number, snapshot: Uint8Array): Promise<void> {
    await this.db.transaction(async (tx) => {
      const rows = tx.getRepository<DocUpdate>(DOC_UPDATE);
      await rows.delete({ project_id: projectId, seq: LessThanOrEqual(upToSeq) });
      await rows.insert({ id: randomUUID(), project_id: projectId, seq: upToSeq, update: Buffer.from(snapshot), user_id: null });
    });
  }

  async count(projectId: string): Promise<number> {
    return this.rows.count({ where: { project_id: projectId } });
  }

  async deleteProject(projectId: string): Promise<void> {
    await this.rows.delete({ project_id: projectId });
  }
}
