import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearLocalCopiesOf, clearLocalCopy, hasLocalCopy, localCopyName, pendingEdits, pendingEditsOf, registerLocalCopy, setPendingEdits } from './local-copy';

/** A Storage in memory (the unit tests run in Node, which has none). */
class MemoryStorage {
  #items = new Map<string, string>();
  getItem(k: string) {
    return this.#items.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.#items.set(k, String(v));
  }
  removeItem(k: string) {
    this.#items.delete(k);
  }
}

describe('local storyboard copies (ledger)', () => {
  let store: MemoryStorage;
  beforeEach(() => {
    store = new MemoryStorage();
    vi.stubGlobal('localStorage', store);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('keys a copy by user and project, so accounts on one browser never share one', () => {
    expect(localCopyName('u1', 'p1')).not.toBe(localCopyName('u2', 'p1'));
    expect(localCopyName('u1', 'p1')).not.toBe(localCopyName('u1', 'p2'));
  });

  it('counts unsent edits per copy and per user', () => {
    const a = localCopyName('alice', 'p1');
    const b = localCopyName('alice', 'p2');
    const c = localCopyName('bob', 'p1');
    for (const n of [a, b, c]) registerLocalCopy(n);
    expect(hasLocalCopy(a)).toBe(true);
    expect(pendingEdits(a)).toBe(0);
    setPendingEdits(a, 3);
    setPendingEdits(b, 2);
    setPendingEdits(c, 5);
    registerLocalCopy(a); // registering again keeps the count
    expect(pendingEdits(a)).toBe(3);
    expect(pendingEditsOf('alice')).toBe(5);
    expect(pendingEditsOf('bob')).toBe(5);
    expect(pendingEditsOf('carol')).toBe(0);
  });

  it("deletes one copy, or every copy of one user on logout, and leaves the others' alone", async () => {
    const a = localCopyName('alice', 'p1');
    const b = localCopyName('alice', 'p2');
    const c = localCopyName('bob', 'p1');
    for (const n of [a, b, c]) {
      registerLocalCopy(n);
      setPendingEdits(n, 1);
    }
    await clearLocalCopy(a);
    expect(hasLocalCopy(a)).toBe(false);
    expect(pendingEdits(a)).toBe(0);
    await clearLocalCopiesOf('alice');
    expect(hasLocalCopy(b)).toBe(false);
    expect(hasLocalCopy(c)).toBe(true);
    expect(pendingEditsOf('bob')).toBe(1);
  });

  it('survives a damaged ledger and works without localStorage', () => {
    store.setItem('reelcraft:local-copies', '{not json');
    expect(pendingEditsOf('alice')).toBe(0);
    registerLocalCopy(localCopyName('alice', 'p1'));
    expect(hasLocalCopy(localCopyName('alice', 'p1'))).toBe(true);
    vi.unstubAllGlobals();
    expect(pendingEdits(localCopyName('alice', 'p1'))).toBe(0);
  });
});
