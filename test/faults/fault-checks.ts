import { expect } from 'vitest';
import { checkDatabase, checkStoredMedia, settleTasks, type ProbeCache, type StoreReader } from '../support/store-checks';

/**
 * The checks after every fault round, the same whatever the round did: every task ends
 * (completed, failed with a reason, or cancelled) within `settleMs`; every listed video, take and
 * upload is whole and readable; the database is consistent. Answers a one-line summary.
 */
export async function checkAfterFault(db: StoreReader, dataDir: string, cache: ProbeCache, settleMs = 90_000): Promise<string> {
  const { tasks, problems: taskProblems } = await settleTasks(db, settleMs);
  expect(taskProblems, 'every task ends').toEqual([]);
  const media = await checkStoredMedia(db, dataDir, cache);
  expect(media.problems, 'every listed file is whole and readable').toEqual([]);
  const database = await checkDatabase(db);
  expect(database.problems, `the database is consistent (${database.checked})`).toEqual([]);
  const count = (s: string) => tasks.filter((t) => t.status === s).length;
  return `${tasks.length} tasks (${count('completed')} completed, ${count('failed')} failed, ${count('cancelled')} cancelled), ${media.files} files whole, database ok`;
}
