import { describe, expect, it } from 'vitest';
import type { Page } from '@reelcraft/shared';
import { PagedList } from './paged-list.svelte';

const page = (items: number[], total: number, p = 1): Page<number> => ({ items, total, page: p, page_size: 2 });

describe('PagedList', () => {
  it('loads a page and counts the pages', async () => {
    const list = new PagedList<number>(async (p) => page(p === 1 ? [1, 2] : [3], 3, p), 2);
    await list.load(1);
    expect(list.items).toEqual([1, 2]);
    expect(list.pages).toBe(2);
    await list.load(2);
    expect(list.items).toEqual([3]);
    expect(list.page).toBe(2);
    expect(list.loading).toBe(false);
  });

  it('steps back when the page it showed is gone', async () => {
    const list = new PagedList<number>(async (p) => (p === 2 ? page([], 2, 2) : page([1, 2], 2)), 2);
    await list.load(2);
    await new Promise((r) => setTimeout(r, 0));
    expect(list.page).toBe(1);
    expect(list.items).toEqual([1, 2]);
  });

  it('keeps only the newest answer, and shows errors', async () => {
    let release: (v: Page<number>) => void = () => {};
    const calls: number[] = [];
    const list = new PagedList<number>((p) => {
      calls.push(p);
      if (p === 1) return new Promise((r) => (release = r));
      if (p === 3) return Promise.reject(new Error('boom'));
      return Promise.resolve(page([9], 10, p));
    }, 2);
    const slow = list.load(1);
    await list.load(2);
    release(page([1, 2], 10));
    await slow;
    expect(list.items).toEqual([9]);
    await list.load(3);
    expect(list.error).toBe('boom');
    expect(calls).toEqual([1, 2, 3]);
  });

  it('loads page 1 once after a burst of searches', async () => {
    const calls: number[] = [];
    const list = new PagedList<number>(async (p) => (calls.push(p), page([], 0, p)), 2);
    list.page = 3;
    list.loadSoon(5);
    list.loadSoon(5);
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toEqual([1]);
    list.loadSoon(5);
    list.stop();
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toEqual([1]);
  });

  it('replaces one row', async () => {
    const list = new PagedList<{ id: number; v: string }>(async () => ({ items: [{ id: 1, v: 'a' }, { id: 2, v: 'b' }], total: 2, page: 1, page_size: 20 }));
    await list.load();
    list.replace((x) => x.id === 2, { id: 2, v: 'c' });
    expect(list.items.map((x) => x.v)).toEqual(['a', 'c']);
  });
});
