import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withMigratedDatabase } from '../testing/migrated-database';
import { MemoryFilterRuleRepository } from '../testing/memory-filter-rules';
import type { FilterRule } from './filter-rule.entity';
import { FilterRuleRepository, TypeOrmFilterRuleRepository } from './filter-rule.repository';

/**
 * One contract for every FilterRuleRepository: the in-memory one the service tests use must
 * behave as the database does, on SQLite and on PostgreSQL.
 */
const kinds: [string, (use: (repo: FilterRuleRepository) => Promise<void>) => Promise<void>][] = [
  ['memory', (use) => use(new MemoryFilterRuleRepository())],
  ['sqlite', (use) => withMigratedDatabase('sqlite', (db) => use(new TypeOrmFilterRuleRepository(db)))],
  ['postgres', (use) => withMigratedDatabase('postgres', (db) => use(new TypeOrmFilterRuleRepository(db)))],
];

let clock = Date.parse('2026-01-01T00:00:00Z');
function rule(pattern: string, extra: Partial<FilterRule> = {}): FilterRule {
  // Whole seconds apart: both databases keep them, and "newest first" is unambiguous.
  const at = new Date((clock += 1000));
  return { id: randomUUID(), pattern, kind: 'word', category: 'test', action: 'block', stages: [], enabled: true, hits: 0, created_at: at, updated_at: at, ...extra };
}

describe.each(kinds)('FilterRuleRepository (%s)', (_name, withRepo) => {
  let repo: FilterRuleRepository;
  let done: () => void;
  let closed: Promise<void>;
  beforeAll(async () => {
    // One database per kind for the whole suite; each test uses patterns of its own.
    await new Promise<void>((ready) => {
      closed = withRepo(async (r) => {
        repo = r;
        ready();
        await new Promise<void>((resolve) => (done = resolve));
      });
    });
  });
  afterAll(async () => {
    done();
    await closed;
  });

  it('stores rules, bumps the revision once per change, and refuses a second rule of the same kind and pattern', async () => {
    const before = await repo.revision();
    const a = rule('甲', { category: 'Politics' });
    expect(await repo.insert([a, rule('乙')])).toBe(true);
    expect(await repo.revision()).toBe(before + 1);
    // Same pattern as a word again: refused, nothing stored, no bump.
    const c = rule('丙');
    expect(await repo.insert([c, rule('甲')])).toBe(false);
    expect(await repo.findById(c.id)).toBeNull();
    expect(await repo.revision()).toBe(before + 1);
    // The same pattern as a regex is another rule.
    expect(await repo.insert([rule('甲', { kind: 'regex' })])).toBe(true);
    expect((await repo.findByPattern('word', '甲'))?.id).toBe(a.id);
    expect(await repo.insert([])).toBe(true);
    expect(await repo.revision()).toBe(before + 2);
  });

  it('keeps each inserted rule under its own id and leaves the caller’s objects as they were', async () => {
    const batch = Array.from({ length: 6 }, (_, i) => rule(`ids-${i}`));
    const given = batch.map((r) => ({ ...r }));
    expect(await repo.insert(batch)).toBe(true);
    expect(batch).toEqual(given);
    for (const r of given) expect((await repo.findById(r.id))?.pattern).toBe(r.pattern);
  });

  it('replaces a rule unless another has its kind and pattern; deletes and says what it deleted', async () => {
    const a = rule('replace-a');
    const b = rule('replace-b');
    await repo.insert([a, b]);
    const rev = await repo.revision();
    expect(await repo.replace({ ...a, pattern: 'replace-b' })).toBe(false);
    expect(await repo.revision()).toBe(rev);
    expect(await repo.replace({ ...a, category: 'changed', enabled: false })).toBe(true);
    expect(await repo.findById(a.id)).toMatchObject({ pattern: 'replace-a', category: 'changed', enabled: false });
    expect(await repo.revision()).toBe(rev + 1);
    // Disabled rules are not screened with.
    expect((await repo.snapshot()).rules.map((r) => r.id)).not.toContain(a.id);
    expect((await repo.delete(b.id))?.pattern).toBe('replace-b');
    expect(await repo.delete(b.id)).toBeNull();
    expect(await repo.revision()).toBe(rev + 2);
  });

  it('pages newest first and searches pattern and category, ignoring case and treating % and _ as text', async () => {
    const tag = randomUUID().slice(0, 8);
    const rows = [rule(`${tag}-50%off`), rule(`${tag}-a_b`), rule(`${tag}-plain`, { category: `Cat-${tag}` }), rule(`${tag}-50xoff`), rule(`${tag}-axb`)];
    await repo.insert(rows);
    const all = await repo.page({ term: tag, skip: 0, take: 10 });
    expect(all.total).toBe(5);
    expect(all.rows.map((r) => r.pattern)).toEqual(rows.map((r) => r.pattern).reverse());
    expect((await repo.page({ term: tag, skip: 1, take: 2 })).rows.map((r) => r.pattern)).toEqual([`${tag}-50xoff`, `${tag}-plain`]);
    expect((await repo.page({ term: `${tag}-50%`, skip: 0, take: 10 })).rows.map((r) => r.pattern)).toEqual([`${tag}-50%off`]);
    expect((await repo.page({ term: `${tag}-a_b`, skip: 0, take: 10 })).rows.map((r) => r.pattern)).toEqual([`${tag}-a_b`]);
    expect((await repo.page({ term: `cat-${tag.toUpperCase()}`, skip: 0, take: 10 })).rows.map((r) => r.pattern)).toEqual([`${tag}-plain`]);
  });

  it('adds hits without touching the revision, and lists word patterns and every rule oldest first', async () => {
    const a = rule('hits-a');
    await repo.insert([a]);
    const rev = await repo.revision();
    await repo.addHits(new Map([[a.id, 3]]));
    await repo.addHits(new Map([[a.id, 2]]));
    expect((await repo.findById(a.id))?.hits).toBe(5);
    expect(await repo.revision()).toBe(rev);
    expect((await repo.wordPatterns()).has('hits-a')).toBe(true);
    const all = await repo.all();
    expect(all[all.length - 1]!.id).toBe(a.id);
    // What callers get is a copy: changing it stores nothing.
    const got = (await repo.findById(a.id))!;
    got.pattern = 'changed';
    expect((await repo.findById(a.id))?.pattern).toBe('hits-a');
  });
});
