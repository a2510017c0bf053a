import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DataSource } from 'typeorm';
import { withMigratedDatabase, type DatabaseKind } from '../testing/migrated-database';
import { DocUpdatesRepository } from './doc-updates.repository';

/** Every keystroke of `text` typed into a fresh document, as the updates a client would send. */
function keystrokes(text: string): Uint8Array[] {
  const writer = new Y.Doc();
  const updates: Uint8Array[] = [];
  writer.on('update', (u: Uint8Array) => updates.push(u));
  for (const ch of text) writer.getText('t').insert(writer.getText('t').length, ch);
  writer.destroy();
  return updates;
}

function textOf(updates: Uint8Array[]): string {
  const doc = new Y.Doc();
  doc.transact(() => updates.forEach((u) => Y.applyUpdate(doc, u)));
  const text = doc.getText('t').toString();
  doc.destroy();
  return text;
}

const repoOf = (db: DataSource) => new DocUpdatesRepository(db);

describe.each<DatabaseKind>(['sqlite', 'postgres'])('DocUpdatesRepository.appendShared (%s)', (kind) => {
  it('stores batches sent at once by several writers after each other: every row kept, no seq taken twice, none skipped', async () => {
    await withMigratedDatabase(kind, async (db) => {
      // Two repositories, as two instances would have (on PostgreSQL each query may take another pooled connection).
      const [one, two] = [repoOf(db), repoOf(db)];
      const updates = keystrokes('二十四个字符的故事板文本，写给两个实例同时保存');
      const batches: Uint8Array[][] = [];
      // Batches of one, two and three updates, as group commit makes them.
      for (let i = 0, size = 1; i < updates.length; i += size, size = (size % 3) + 1) batches.push(updates.slice(i, i + size));
      const lasts = await Promise.all(batches.map((batch, i) => (i % 2 ? one : two).appendShared('p1', batch.map((update) => ({ update, userId: 'u1' })))));

      // Each batch got its own run of seqs, ending at the seq it reports.
      const runs = batches.map((batch, i) => [lasts[i] - batch.length + 1, lasts[i]]).sort((x, y) => x[0] - y[0]);
      expect(runs[0][0]).toBe(1);
      for (let i = 1; i < runs.length; i++) expect(runs[i][0]).toBe(runs[i - 1][1] + 1);
      const stored = await one.load('p1');
      expect(stored.lastSeq).toBe(updates.length);
      expect(stored.updates).toHaveLength(updates.length);
      expect(textOf(stored.updates)).toBe('二十四个字符的故事板文本，写给两个实例同时保存');
    });
  });

  it('continues after rows stored by the single-writer path and after a compaction, and never reuses the snapshot’s seq', async () => {
    await withMigratedDatabase(kind, async (db) => {
      const repo = repoOf(db);
      const updates = keystrokes('abcdefg');
      await repo.append('p2', 1, updates.slice(0, 3).map((update) => ({ update, userId: null })));
      expect(await repo.compactStored('p2', (rows) => Y.mergeUpdates(rows))).toBe(true);
      expect(await repo.appendShared('p2', [{ update: updates[3], userId: null }])).toBe(4);
      expect(await repo.appendShared('p2', updates.slice(4).map((update) => ({ update, userId: 'u2' })))).toBe(7);
      const stored = await repo.load('p2');
      expect(stored.updates).toHaveLength(5);
      expect(textOf(stored.updates)).toBe('abcdefg');
      // Another project's seqs are its own.
      expect(await repo.appendShared('p3', [{ update: updates[0], userId: null }])).toBe(1);
    });
  });
});
