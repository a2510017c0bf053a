import type { FilterAction, FilterRuleKind, FilterStage } from '@reelcraft/shared';
import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** One content-filter rule an admin wrote or imported (see libs/shared/src/filter.ts). */
@Entity('filter_rules')
@Index('IDX_filter_rules_kind_pattern', ['kind', 'pattern'], { unique: true })
@Check('CHK_filter_rules_kind', `"kind" IN ('word', 'regex')`)
@Check('CHK_filter_rules_action', `"action" IN ('block', 'mask', 'review')`)
export class FilterRule {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 200 })
  pattern: string;

  @Column({ type: 'varchar', length: 8 })
  kind: FilterRuleKind;

  @Column({ type: 'varchar', length: 40 })
  category: string;

  @Column({ type: 'varchar', length: 8 })
  action: FilterAction;

  /** Empty: every stage. */
  @Column({ type: 'simple-json' })
  stages: FilterStage[];

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ type: 'integer', default: 0 })
  hits: number;

  @CreateDateColumn()
  created_at: Date;

  @UpdateDateColumn()
  updated_at: Date;
}

/**
 * One row counting rule changes. Every server process compares it with the revision it compiled
 * before screening text, so a change applies to the very next request everywhere, with no restart
 * and no message bus.
 */
@Entity('filter_state')
export class FilterState {
  @PrimaryColumn({ type: 'integer' })
  id: number;

  @Column({ type: 'integer', default: 0 })
  revision: number;
}
