import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FilterRuleKind } from '@reelcraft/shared';
import { DataSource, type EntityManager } from 'typeorm';
import { containsPattern, containsSql } from '../database/contains';
import { FilterRule, FilterState } from './filter-rule.entity';

export interface FilterRulePageQuery {
  /** Part of a pattern or a category; case as stored. */
  term?: string;
  skip: number;
  take: number;
}

/**
 * Where the content-filter rules live. Every change bumps the rules' revision in the same
 * transaction (ContentScreening recompiles when it moves), so callers never bump it themselves.
 * An abstract class so Nest can inject it by type; FilterRulesService's unit tests run against
 * the in-memory one (testing/memory-filter-rules.ts), and one contract suite holds both to the
 * same behaviour (filter-rule.repository.spec.ts).
 */
export abstract class FilterRuleRepository {
  /** The revision and the enabled rules, read together. */
  abstract snapshot(): Promise<{ revision: number; rules: FilterRule[] }>;
  abstract revision(): Promise<number>;
  /** Newest first. */
  abstract page(q: FilterRulePageQuery): Promise<{ rows: FilterRule[]; total: number }>;
  /** Oldest first. */
  abstract all(): Promise<FilterRule[]>;
  abstract findById(id: string): Promise<FilterRule | null>;
  abstract findByPattern(kind: FilterRuleKind, pattern: string): Promise<FilterRule | null>;
  /** Every word rule's pattern. */
  abstract wordPatterns(): Promise<Set<string>>;
  /**
   * Stores new rules in one transaction; false (and nothing stored) when one of them has the kind
   * and pattern of a stored rule. One revision bump for the lot.
   */
  abstract insert(rules: FilterRule[]): Promise<boolean>;
  /** Replaces a stored rule; false when another rule has its kind and pattern now. */
  abstract replace(rule: FilterRule): Promise<boolean>;
  /** The deleted rule, or null when there was none. */
  abstract delete(id: string): Promise<FilterRule | null>;
  /** Adds to the hit counts (no revision bump: hits do not change what is screened). */
  abstract addHits(counts: ReadonlyMap<string, number>): Promise<void>;
}

@Injectable()
export class TypeOrmFilterRuleRepository extends FilterRuleRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {
    super();
  }

  snapshot(): Promise<{ revision: number; rules: FilterRule[] }> {
    return this.db.transaction(async (m) => ({ revision: await revisionIn(m), rules: await m.getRepository(FilterRule).find({ where: { enabled: true } }) }));
  }

  revision(): Promise<number> {
    return revisionIn(this.db.manager);
  }

  async page(q: FilterRulePageQuery): Promise<{ rows: FilterRule[]; total: number }> {
    const query = this.db.getRepository(FilterRule).createQueryBuilder('r');
    if (q.term) {
      query.where(`(${containsSql('r.pattern', 'term')} OR ${containsSql('r.category', 'term')})`, { term: containsPattern(q.term) });
    }
    const [rows, total] = await query.orderBy('r.created_at', 'DESC').addOrderBy('r.id', 'ASC').skip(q.skip).take(q.take).getManyAndCount();
    return { rows, total };
  }

  all(): Promise<FilterRule[]> {
    return this.db.getRepository(FilterRule).find({ order: { created_at: 'ASC', id: 'ASC' } });
  }

  findById(id: string): Promise<FilterRule | null> {
    return this.db.getRepository(FilterRule).findOne({ where: { id } });
  }

  findByPattern(kind: FilterRuleKind, pattern: string): Promise<FilterRule | null> {
    return this.db.getRepository(FilterRule).findOne({ where: { kind, pattern } });
  }

  async wordPatterns(): Promise<Set<string>> {
    return new Set((await this.db.getRepository(FilterRule).find({ where: { kind: 'word' }, select: { pattern: true } })).map((r) => r.pattern));
  }

  insert(rules: FilterRule[]): Promise<boolean> {
    return this.db.transaction(async (m) => {
      const repo = m.getRepository(FilterRule);
      for (const r of rules) if (await repo.exists({ where: { kind: r.kind, pattern: r.pattern } })) return false;
      // Chunks keep each INSERT under SQLite's bound-parameter limit. Copies: TypeORM writes what it
      // reads back into the objects it inserts, and on SQLite a multi-row insert hands the rows each
      // other's ids (seen here; the contract suite would catch it returning).
      for (let i = 0; i < rules.length; i += 500) await repo.insert(rules.slice(i, i + 500).map((r) => ({ ...r })));
      if (rules.length) await bump(m);
      return true;
    });
  }

  replace(rule: FilterRule): Promise<boolean> {
    return this.db.transaction(async (m) => {
      const repo = m.getRepository(FilterRule);
      const clash = await repo.findOne({ where: { kind: rule.kind, pattern: rule.pattern } });
      if (clash && clash.id !== rule.id) return false;
      await repo.save({ ...rule });
      await bump(m);
      return true;
    });
  }

  delete(id: string): Promise<FilterRule | null> {
    return this.db.transaction(async (m) => {
      const rule = await m.getRepository(FilterRule).findOne({ where: { id } });
      if (!rule) return null;
      await m.getRepository(FilterRule).delete({ id });
      await bump(m);
      return rule;
    });
  }

  async addHits(counts: ReadonlyMap<string, number>): Promise<void> {
    for (const [id, n] of counts) await this.db.getRepository(FilterRule).increment({ id }, 'hits', n);
  }
}

async function revisionIn(m: EntityManager): Promise<number> {
  return (await m.getRepository(FilterState).findOne({ where: { id: 1 } }))?.revision ?? 0;
}

async function bump(m: EntityManager): Promise<void> {
  await m.getRepository(FilterState).increment({ id: 1 }, 'revision', 1);
}

