/**
 * The browser's own copy of open storyboards (IndexedDB, through y-indexeddb), so that edits made
 * offline survive a closed tab and merge with the server's document on the next sync.
 *
 * One IndexedDB database per user and project (`reelcraft:storyboard:<userId>:<projectId>`):
 * someone else signing in on the same browser never loads, sends or sees another person's copy.
 * A small ledger in localStorage lists the copies this browser holds, with how many local edits
 * each has that the server has not acknowledged yet, so that logout can delete a user's copies
 * (and warn first when edits would be lost) without opening every database.
 */
import { clearDocument } from 'y-indexeddb';

const PREFIX = 'reelcraft:storyboard:';
const LEDGER = 'reelcraft:local-copies';

export const localCopyName = (userId: string, projectId: string): string => `${PREFIX}${userId}:${projectId}`;

const userPrefix = (userId: string) => `${PREFIX}${userId}:`;

type Ledger = Record<string, number>;

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // a sandboxed frame or disabled storage
  }
}

function readLedger(): Ledger {
  const raw = storage()?.getItem(LEDGER);
  if (!raw) return {};
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const out: Ledger = {};
    for (const [k, v] of Object.entries(parsed)) if (k.startsWith(PREFIX)) out[k] = typeof v === 'number' && v > 0 ? Math.floor(v) : 0;
    return out;
  } catch {
    return {};
  }
}

function writeLedger(ledger: Ledger): void {
  try {
    storage()?.setItem(LEDGER, JSON.stringify(ledger));
  } catch {
    // Full or disabled storage: the counts are a hint, the edits themselves are in IndexedDB.
  }
}

/** Whether this browser can keep local copies at all (IndexedDB exists; private modes may still refuse at open). */
export const localCopiesSupported = (): boolean => typeof indexedDB !== 'undefined';

/** Records that this copy exists, keeping its count. */
export function registerLocalCopy(name: string): void {
  const ledger = readLedger();
  if (!(name in ledger)) {
    ledger[name] = 0;
    writeLedger(ledger);
  }
}

export function hasLocalCopy(name: string): boolean {
  return name in readLedger();
}

/** Local edits of this copy the server has not acknowledged yet (0 when none or unknown). */
export function pendingEdits(name: string): number {
  return readLedger()[name] ?? 0;
}

export function setPendingEdits(name: string, count: number): void {
  const ledger = readLedger();
  if (ledger[name] === count) return;
  ledger[name] = count;
  writeLedger(ledger);
}

/** Unsent local edits across every copy of this user (for a warning before logout). */
export function pendingEditsOf(userId: string): number {
  return Object.entries(readLedger())
    .filter(([name]) => name.startsWith(userPrefix(userId)))
    .reduce((sum, [, n]) => sum + n, 0);
}

/** Deletes one copy (its database and its ledger entry); resolves once the database is gone or the delete was refused. */
export async function clearLocalCopy(name: string): Promise<void> {
  const ledger = readLedger();
  if (name in ledger) {
    delete ledger[name];
    writeLedger(ledger);
  }
  if (!localCopiesSupported()) return;
  await clearDocument(name).catch(() => undefined);
}

/**
 * Deletes every copy of this user (on logout). Copies the ledger lost track of are found through
 * indexedDB.databases() where the browser has it.
 */
export async function clearLocalCopiesOf(userId: string): Promise<void> {
  const prefix = userPrefix(userId);
  const names = new Set(Object.keys(readLedger()).filter((n) => n.startsWith(prefix)));
  if (localCopiesSupported() && typeof indexedDB.databases === 'function') {
    const dbs = await indexedDB.databases().catch(() => [] as IDBDatabaseInfo[]);
    for (const db of dbs) if (db.name?.startsWith(prefix)) names.add(db.name);
  }
  await Promise.all([...names].map((n) => clearLocalCopy(n)));
}
