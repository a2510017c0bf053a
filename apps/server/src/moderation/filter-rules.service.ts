import { BadRequestException, ConflictException, Injectable } from '@nestjs/common';
import { regexRuleProblem, wordRuleProblem } from '@reelcraft/filter';
import {
  CreateFilterRuleBodySchema,
  csvFields,
  FILTER_ACTIONS,
  FILTER_LIMITS,
  type CreateFilterRuleBody,
  type FilterRuleKind,
  type FilterRuleSpec,
  type FilterRuleView,
  type ImportFilterRulesBody,
  type ImportFilterRulesResponse,
  type Page,
  type UpdateFilterRuleBody,
} from '@reelcraft/shared';
import { randomUUID } from 'node:crypto';
import { AuditLog, type Actor } from './audit-log';
import type { FilterRule } from './filter-rule.entity';
import { FilterRuleRepository } from './filter-rule.repository';
import { apiError } from '../common/api-error';

export interface RulesQuery {
  page: number;
  page_size: number;
  q?: string;
}

/**
 * The rules admins manage: checked (a regex must be safe, a word must be a word), unique by kind
 * and pattern, and audited. The repository bumps the revision with every change, so every server
 * process recompiles before its next screening (see ContentScreening).
 */
@Injectable()
export class FilterRulesService {
  constructor(
    private readonly rules: FilterRuleRepository,
    private readonly audit: AuditLog,
  ) {}

  /** The revision and the enabled rules, read together for compiling. */
  async snapshot(): Promise<{ revision: number; rules: FilterRuleSpec[] }> {
    const { revision, rules } = await this.rules.snapshot();
    return { revision, rules: rules.map(toSpec) };
  }

  revision(): Promise<number> {
    return this.rules.revision();
  }

  async list(q: RulesQuery): Promise<Page<FilterRuleView>> {
    const term = q.q?.trim();
    const { rows, total } = await this.rules.page({ ...(term ? { term } : {}), skip: (q.page - 1) * q.page_size, take: q.page_size });
    return { items: rows.map(toView), total, page: q.page, page_size: q.page_size };
  }

  async create(body: CreateFilterRuleBody, actor: Actor): Promise<FilterRuleView> {
    const problem = problemOf(body.kind, body.pattern);
    if (problem) throw new BadRequestException(problem);
    const now = new Date();
    const rule: FilterRule = { id: randomUUID(), ...body, hits: 0, created_at: now, updated_at: now };
    if (!(await this.rules.insert([rule]))) throw apiError(409, 'filter_rule_exists', `a ${body.kind} rule "${body.pattern}" exists already`);
    await this.audit.record({ kind: 'admin_action', action: 'rule.create', actor, target: rule.id, detail: { pattern: rule.pattern, kind: rule.kind, category: rule.category, action: rule.action } });
    return toView(rule);
  }

  async update(id: string, body: UpdateFilterRuleBody, actor: Actor): Promise<FilterRuleView> {
    const rule = await this.rules.findById(id);
    if (!rule) throw apiError(404, 'filter_rule_not_found', `no filter rule ${id}`);
    const next: FilterRule = { ...rule, ...body, updated_at: new Date() };
    if (body.pattern !== undefined || body.kind !== undefined) {
      const problem = problemOf(next.kind, next.pattern);
      if (problem) throw new BadRequestException(problem);
    }
    if (!(await this.rules.replace(next))) throw apiError(409, 'filter_rule_exists', `a ${next.kind} rule "${next.pattern}" exists already`);
    await this.audit.record({ kind: 'admin_action', action: 'rule.update', actor, target: id, detail: { ...body } });
    return toView(next);
  }

  async remove(id: string, actor: Actor): Promise<void> {
    const gone = await this.rules.delete(id);
    if (!gone) throw apiError(404, 'filter_rule_not_found', `no filter rule ${id}`);
    await this.audit.record({ kind: 'admin_action', action: 'rule.delete', actor, target: id, detail: { pattern: gone.pattern, kind: gone.kind, category: gone.category } });
  }

  /** Adds the hits of one screening to each rule's count. */
  countHits(counts: Map<string, number>): Promise<void> {
    return this.rules.addHits(counts);
  }

  /**
   * One word per line (`lines`, with the body's category and action), or CSV `pattern,category,action`
   * with an optional header. Word rules only; duplicates of a rule already there, or earlier in the
   * list, are skipped; lines that cannot be rules are refused with the reason.
   */
  async import(body: ImportFilterRulesBody, actor: Actor): Promise<ImportFilterRulesResponse> {
    const parsed = parseImport(body);
    const refused = parsed.refused;
    let skipped = 0;
    const existing = await this.rules.wordPatterns();
    const now = new Date();
    const rows: FilterRule[] = [];
    for (const r of parsed.rules) {
      if (existing.has(r.pattern)) {
        skipped++;
        continue;
      }
      existing.add(r.pattern);
      rows.push({ id: randomUUID(), pattern: r.pattern, kind: 'word', category: r.category, action: r.action, stages: [], enabled: body.enabled, hits: 0, created_at: now, updated_at: now });
    }
    // Another admin may have added one of these words since they were read: then the import is
    // refused as a whole (nothing half-stored) and can simply be sent again.
    if (!(await this.rules.insert(rows))) throw new ConflictException('another change to the rules came in during this import; send it again');
    await this.audit.record({ kind: 'admin_action', action: 'rule.import', actor, target: null, detail: { format: body.format, added: rows.length, skipped_duplicates: skipped, refused: refused.length } });
    return { added: rows.length, skipped_duplicates: skipped, refused };
  }

  /** Every rule, as `lines` (word rules' patterns) or CSV with a header (word and regex rules). */
  async export(format: 'lines' | 'csv'): Promise<string> {
    const rows = await this.rules.all();
    if (format === 'lines') return rows.filter((r) => r.kind === 'word').map((r) => r.pattern).join('\n') + '\n';
    return ['pattern,category,action,kind,enabled', ...rows.map((r) => [r.pattern, r.category, r.action, r.kind, String(r.enabled)].map(csvField).join(','))].join('\n') + '\n';
  }
}

function problemOf(kind: FilterRuleKind, pattern: string): string | null {
  return kind === 'regex' ? regexRuleProblem(pattern) : wordRuleProblem(pattern);
}

const toSpec = (r: FilterRule): FilterRuleSpec => ({ id: r.id, pattern: r.pattern, kind: r.kind, category: r.category, action: r.action, stages: r.stages, enabled: r.enabled });

const toView = (r: FilterRule): FilterRuleView => ({ ...toSpec(r), hits: r.hits, created_at: r.created_at.toISOString(), updated_at: r.updated_at.toISOString() });

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The rules a list holds, and the lines it refused, numbered from 1. */
export function parseImport(body: ImportFilterRulesBody): { rules: { pattern: string; category: string; action: CreateFilterRuleBody['action'] }[]; refused: ImportFilterRulesResponse['refused'] } {
  const lines = body.text.split(/\r?\n/);
  const rules: { pattern: string; category: string; action: CreateFilterRuleBody['action'] }[] = [];
  const refused: ImportFilterRulesResponse['refused'] = [];
  if (lines.length > FILTER_LIMITS.importLines.max) {
    throw new BadRequestException(`the list holds ${lines.length} lines; at most ${FILTER_LIMITS.importLines.max} per import`);
  }
  if (body.format === 'lines' && (!body.category || !body.action)) throw new BadRequestException('a plain word list needs the category and action its words get');
  lines.forEach((raw, i) => {
    const line = raw.replace(/^\uFEFF/, '').trim();
    if (!line || line.startsWith('#')) return;
    let candidate: { pattern: string; category?: string; action?: string };
    if (body.format === 'lines') candidate = { pattern: line, category: body.category, action: body.action };
    else {
      const [pattern = '', category = '', action = ''] = csvFields(line);
      if (i === 0 && pattern.toLowerCase() === 'pattern' && category.toLowerCase() === 'category') return;
      candidate = { pattern, category: category || body.category, action: action || body.action };
    }
    if (candidate.action && !(FILTER_ACTIONS as readonly string[]).includes(candidate.action)) {
      refused.push({ line: i + 1, text: line.slice(0, 200), reason: `action must be one of ${FILTER_ACTIONS.join(', ')}` });
      return;
    }
    const checked = CreateFilterRuleBodySchema.safeParse({ pattern: candidate.pattern, category: candidate.category, action: candidate.action, kind: 'word' });
    if (!checked.success) {
      refused.push({ line: i + 1, text: line.slice(0, 200), reason: checked.error.issues.map((x) => x.message).join('; ') });
      return;
    }
    const problem = wordRuleProblem(checked.data.pattern);
    if (problem) {
      refused.push({ line: i + 1, text: line.slice(0, 200), reason: problem });
      return;
    }
    rules.push({ pattern: checked.data.pattern, category: checked.data.category, action: checked.data.action });
  });
  return { rules, refused };
}
