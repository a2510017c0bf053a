import type { FilterRuleKind } from '@reelcraft/shared';
import type { FilterRule } from '../moderation/filter-rule.entity';
import { FilterRuleRepository, type FilterRulePageQuery } from '../moderation/filter-rule.repository';

/**
 * FilterRuleRepository in memory, for unit tests of the services above it: the same behaviour as
 * the database one (the contract suite in filter-rule.repository.spec.ts runs both), none of its cost.
 */
export class MemoryFilterRuleRepository extends FilterRuleRepository {
  private readonly rules = new Map<string, FilterRule>();
  private rev = 0;

  async snapshot(): Promise<{ revision: number; rules: FilterRule[] }> {
    return { revision: this.rev, rules: [...this.rules.values()].filter((r) => r.enabled).map(copy) };
  }

  async revision(): Promise<number> {
    return this.rev;
  }

  async page(q: FilterRulePageQuery): Promise<{ rows: FilterRule[]; total: number }> {
    const term = q.term?.toLowerCase();
    const matching = [...this.rules.values()]
      .filter((r) => !term || r.pattern.toLowerCase().includes(term) || r.category.toLowerCase().includes(term))
      .sort((a, b) => b.created_at.getTime() - a.created_at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { rows: matching.slice(q.skip, q.skip + q.take).map(copy), total: matching.length };
  }

  async all(): Promise<FilterRule[]> {
    return [...this.rules.values()].sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || (a.id < b.id ? -1 : 1)).map(copy);
  }

  async findById(id: string): Promise<FilterRule | null> {
    const r = this.rules.get(id);
    return r ? copy(r) : null;
  }

  async findByPattern(kind: FilterRuleKind, pattern: string): Promise<FilterRule | null> {
    const r = [...this.rules.values()].find((x) => x.kind === kind && x.pattern === pattern);
    return r ? copy(r) : null;
  }

  async wordPatterns(): Promise<Set<string>> {
    return new Set([...this.rules.values()].filter((r) => r.kind === 'word').map((r) => r.pattern));
  }

  async insert(rules: FilterRule[]): Promise<boolean> {
    const taken = new Set([...this.rules.values()].map(key));
    for (const r of rules) {
      if (taken.has(key(r))) return false;
      taken.add(key(r));
    }
    for (const r of rules) this.rules.set(r.id, copy(r));
    if (rules.length) this.rev++;
    return true;
  }

  async replace(rule: FilterRule): Promise<boolean> {
    const clash = [...this.rules.values()].find((x) => key(x) === key(rule) && x.id !== rule.id);
    if (clash) return false;
    this.rules.set(rule.id, copy(rule));
    this.rev++;
    return true;
  }

  async delete(id: string): Promise<FilterRule | null> {
    const r = this.rules.get(id);
    if (!r) return null;
    this.rules.delete(id);
    this.rev++;
    return r;
  }

  async addHits(counts: ReadonlyMap<string, number>): Promise<void> {
    for (const [id, n] of counts) {
      const r = this.rules.get(id);
      if (r) r.hits += n;
    }
  }
}

const key = (r: Pick<FilterRule, 'kind' | 'pattern'>) => `${r.kind}\u0000${r.pattern}`;
/** Callers get copies, as they would rows from a database: changing one stores nothing. */
const copy = (r: FilterRule): FilterRule => ({ ...r, stages: [...r.stages], created_at: new Date(r.created_at), updated_at: new Date(r.updated_at) });
