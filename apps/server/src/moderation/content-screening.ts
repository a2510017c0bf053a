import { HttpException, HttpStatus, Injectable, Logger } from '@nestjs/common';
import { ContentFilter } from '@reelcraft/filter';
import type { DocumentFilterHit, FilterAction, FilterBlockedError, FilterMatch, FilterStage, RenderPlan } from '@reelcraft/shared';
import { AuditLog, type Actor } from './audit-log';
import { FilterRulesService } from './filter-rules.service';

/** What the filter says about one text at one stage. */
export interface Screening {
  action: FilterAction | 'allow';
  matches: FilterMatch[];
  /** The text with its `mask` matches replaced; the text itself when there are none. */
  masked: string;
}

/** Where a text was screened, for the audit log. */
export interface ScreenContext {
  actor: Actor | null;
  /** e.g. `POST /api/tasks`, `project <id>`. */
  where: string;
  target?: string | null;
}

/** One blocked span of a storyboard, for a refused render. */
export interface SceneHit {
  scene_id: string;
  scene_number: number;
  field: string;
  category: string;
  action: FilterAction;
  start: number;
  end: number;
  text: string;
}

/**
 * Screens text with the rules as they are now. The compiled filter is kept with the revision it
 * was built from; each screening first reads the revision (one small query) and recompiles when
 * an admin changed a rule, in this process or another one on the same database.
 */
@Injectable()
export class ContentScreening {
  private readonly logger = new Logger('Filter');
  private compiled: { revision: number; filter: ContentFilter } | null = null;
  private compiling: Promise<ContentFilter> | null = null;

  constructor(
    private readonly rules: FilterRulesService,
    private readonly audit: AuditLog,
  ) {}

  /** The filter for the current revision of the rules. */
  async filter(): Promise<ContentFilter> {
    const revision = await this.rules.revision();
    if (this.compiled?.revision === revision) return this.compiled.filter;
    // One compile at a time: concurrent requests after a change share it.
    this.compiling ??= this.compile().finally(() => (this.compiling = null));
    return this.compiling;
  }

  /** Screens and, when anything matched, counts the hits and writes the audit entry. */
  async screen(text: string, stage: FilterStage, ctx: ScreenContext): Promise<Screening> {
    const screening = (await this.filter()).verdict(text, stage) as Screening;
    if (screening.matches.length) await this.recordHits(screening, stage, ctx);
    return screening;
  }

  /**
   * The text to store: refused with 422 when a `block` rule matched (nothing is stored but the
   * audit entry), masked when `mask` rules matched; `held` says a `review` rule matched.
   */
  async enforce(text: string, stage: FilterStage, ctx: ScreenContext): Promise<{ text: string; held: Screening | null }> {
    const s = await this.screen(text, stage, ctx);
    if (s.action === 'block') throw blocked(s.matches.find((m) => m.action === 'block')!);
    return { text: s.masked, held: s.action === 'review' ? s : null };
  }

  /**
   * Every text of a plan that reaches the picture or the sound (title, descriptions, subtitles,
   * characters, the style prompt) at this stage: masked where `mask` rules match, and every
   * `block` span listed per scene. Review rules do not hold a plan (its prompt was screened).
   */
  async screenPlan(plan: RenderPlan, stage: FilterStage, ctx: ScreenContext): Promise<{ plan: RenderPlan; blocked: SceneHit[] }> {
    const filter = await this.filter();
    const blockedHits: SceneHit[] = [];
    const all: FilterMatch[] = [];
    const check = (text: string, where: { scene_id: string; scene_number: number; field: string }): string => {
      if (!text) return text;
      const s = filter.verdict(text, stage) as Screening;
      all.push(...s.matches);
      for (const m of s.matches) if (m.action === 'block') blockedHits.push({ ...where, category: m.category, action: m.action, start: m.start, end: m.end, text: m.text });
      return s.masked;
    };
    const scenes = plan.scenes.map((scene, i) => {
      const at = (field: string) => ({ scene_id: (scene as { id?: string }).id ?? String(i + 1), scene_number: scene.scene_number ?? i + 1, field });
      return {
        ...scene,
        description: check(scene.description, at('description')),
        subtitle: check(scene.subtitle, at('subtitle')),
        ...(scene.characters ? { characters: scene.characters.map((c, k) => check(c, at(`character:${k + 1}`))) } : {}),
      };
    });
    const title = check(plan.title, { scene_id: '', scene_number: 0, field: 'title' });
    const style = plan.style ? { ...plan.style, style_prompt: check(plan.style.style_prompt, { scene_id: '', scene_number: 0, field: 'style_prompt' }) } : undefined;
    if (all.length) await this.recordHits({ action: blockedHits.length ? 'block' : 'mask', matches: all, masked: '' }, stage, ctx);
    return { plan: { ...plan, title, scenes, ...(style ? { style } : {}) }, blocked: blockedHits };
  }

  /** New hits in a live storyboard: counted and audited like any other stage's. */
  async recordDocumentHits(projectId: string, hits: (DocumentFilterHit & { rule_id: string; text: string })[]): Promise<void> {
    const counts = new Map<string, number>();
    for (const h of hits) counts.set(h.rule_id, (counts.get(h.rule_id) ?? 0) + 1);
    await this.rules.countHits(counts);
    await this.audit.record({
      kind: 'filter_hit',
      action: 'filter.document',
      actor: null,
      target: projectId,
      detail: { stage: 'document', where: `project ${projectId}`, matches: hits.slice(0, 50) },
    });
  }

  private async compile(): Promise<ContentFilter> {
    const started = performance.now();
    const { revision, rules } = await this.rules.snapshot();
    const filter = new ContentFilter(rules);
    for (const s of filter.skipped) this.logger.warn(`filter rule ${s.rule_id} is not used: ${s.reason}`);
    this.compiled = { revision, filter };
    this.logger.log(`compiled ${rules.length} filter rule(s), revision ${revision}, in ${Math.round(performance.now() - started)} ms`);
    return filter;
  }

  private async recordHits(s: Screening, stage: FilterStage, ctx: ScreenContext): Promise<void> {
    const counts = new Map<string, number>();
    for (const m of s.matches) counts.set(m.rule_id, (counts.get(m.rule_id) ?? 0) + 1);
    await this.rules.countHits(counts);
    // The spans and the matched words only: the whole prompt stays out of the log.
    const matches = s.matches.slice(0, 50).map(({ rule_id, category, action, start, end, text }) => ({ rule_id, category, action, start, end, text }));
    await this.audit.record({ kind: 'filter_hit', action: `filter.${s.action}`, actor: ctx.actor, target: ctx.target ?? null, detail: { stage, where: ctx.where, matches } });
  }
}

/** The 422 that names the category and the span of the first blocking match. */
export function blocked(m: Pick<FilterMatch, 'category' | 'start' | 'end' | 'text'>, scenes?: SceneHit[]): HttpException {
  const body: FilterBlockedError = {
    statusCode: 422,
    error: 'Unprocessable Entity',
    code: 'content_blocked',
    message: scenes?.length
      ? `the storyboard holds text the content filter blocks (${[...new Set(scenes.map((s) => s.category))].join(', ')}): ${scenes.map((s) => `scene ${s.scene_number || '–'} ${s.field} “${s.text}”`).join('; ')}`
      : `the text holds words the content filter blocks (category ${m.category}): “${m.text}”`,
    category: m.category,
    span: { start: m.start, end: m.end, text: m.text },
    ...(scenes ? { scenes: scenes.map(({ action: _a, ...rest }) => rest) } : {}),
  };
  return new HttpException(body, HttpStatus.UNPROCESSABLE_ENTITY);
}
