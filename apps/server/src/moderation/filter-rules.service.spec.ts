import { describe, expect, it } from 'vitest';
import { MemoryFilterRuleRepository } from '../testing/memory-filter-rules';
import type { AuditLog, AuditRecord } from './audit-log';
import { FilterRulesService } from './filter-rules.service';

/** The service's rules over the in-memory repository: no database, milliseconds per test. */
function setup() {
  const repo = new MemoryFilterRuleRepository();
  const audited: AuditRecord[] = [];
  const audit = { record: async (r: AuditRecord) => void audited.push(r) } as Pick<AuditLog, 'record'> as AuditLog;
  return { repo, audited, service: new FilterRulesService(repo, audit) };
}
const admin = { id: 'u1', username: 'admin' };
const word = (pattern: string) => ({ pattern, kind: 'word' as const, category: 'test', action: 'block' as const, stages: [], enabled: true });

describe('FilterRulesService', () => {
  it('creates a rule, audits it, and refuses a duplicate, an unsafe regex and a blank word', async () => {
    const { service, audited, repo } = setup();
    const created = await service.create(word('赌博'), admin);
    expect(created).toMatchObject({ pattern: '赌博', hits: 0 });
    expect(audited).toEqual([expect.objectContaining({ action: 'rule.create', target: created.id, actor: admin })]);
    await expect(service.create(word('赌博'), admin)).rejects.toMatchObject({ status: 409 });
    await expect(service.create({ ...word('(a+)+$'), kind: 'regex' }, admin)).rejects.toMatchObject({ status: 400 });
    expect(await repo.revision()).toBe(1);
    expect(audited).toHaveLength(1);
  });

  it('updates: checks a changed pattern, refuses a clash, 404 for a missing rule', async () => {
    const { service } = setup();
    const a = await service.create(word('甲'), admin);
    await service.create(word('乙'), admin);
    await expect(service.update(a.id, { pattern: '乙' }, admin)).rejects.toMatchObject({ status: 409 });
    await expect(service.update(a.id, { kind: 'regex', pattern: '(x*)*y' }, admin)).rejects.toMatchObject({ status: 400 });
    expect(await service.update(a.id, { category: '赌博', enabled: false }, admin)).toMatchObject({ pattern: '甲', category: '赌博', enabled: false });
    // A disabled rule screens nothing.
    expect((await service.snapshot()).rules.map((r) => r.pattern)).toEqual(['乙']);
    await expect(service.update('nope', { enabled: true }, admin)).rejects.toMatchObject({ status: 404 });
    await expect(service.remove('nope', admin)).rejects.toMatchObject({ status: 404 });
  });

  it('imports a list: skips words already there or repeated, refuses bad lines with their number, one revision', async () => {
    const { service, repo, audited } = setup();
    await service.create(word('甲'), admin);
    const rev = await repo.revision();
    const result = await service.import({ format: 'csv', text: 'pattern,category,action\n甲,a,block\n乙,a,mask\n乙,a,mask\n丙,a,explode\n丁,,review', enabled: true, category: 'misc', action: 'block' }, admin);
    expect(result.added).toBe(2);
    expect(result.skipped_duplicates).toBe(2);
    expect(result.refused).toEqual([expect.objectContaining({ line: 5 })]);
    expect(await repo.revision()).toBe(rev + 1);
    expect((await repo.findByPattern('word', '丁'))?.category).toBe('misc');
    expect(audited[audited.length - 1]).toMatchObject({ action: 'rule.import', detail: { added: 2, skipped_duplicates: 2, refused: 1 } });
    expect((await service.export('lines')).split('\n').sort()).toEqual(['', '丁', '乙', '甲'].sort());
  });

  it('lists newest first, a page at a time, and searches', async () => {
    const { service } = setup();
    for (const p of ['one', 'two', 'three']) {
      await service.create(word(p), admin);
      // Rules made in the same millisecond would tie on created_at.
      await new Promise((r) => setTimeout(r, 2));
    }
    expect((await service.list({ page: 1, page_size: 2 })).items.map((r) => r.pattern)).toEqual(['three', 'two']);
    expect(await service.list({ page: 2, page_size: 2 })).toMatchObject({ total: 3, items: [expect.objectContaining({ pattern: 'one' })] });
    expect((await service.list({ page: 1, page_size: 10, q: ' TW ' })).items.map((r) => r.pattern)).toEqual(['two']);
  });
});
