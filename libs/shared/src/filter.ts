import { z } from 'zod';

/**
 * The content filter's contract: rules an admin writes, where they apply, and what a hit looks
 * like to the API, the studio and the admin console. The engine itself lives in libs/filter.
 */

export const FILTER_ACTIONS = ['block', 'mask', 'review'] as const;
export type FilterAction = (typeof FILTER_ACTIONS)[number];

export const FILTER_RULE_KINDS = ['word', 'regex'] as const;
export type FilterRuleKind = (typeof FILTER_RULE_KINDS)[number];

/**
 * Where text enters the studio. `prompt`: a task's or new project's idea; `project_name`,
 * `version_name`, `comment`, `scene_instruction` (the editor's "Rewrite…" instruction);
 * `planner_output`: the storyboard the LLM writes; `render`: every scene's text when a render is
 * snapshotted (subtitles included); `document`: the live storyboard while people edit it.
 */
export const FILTER_STAGES = ['prompt', 'project_name', 'version_name', 'comment', 'scene_instruction', 'planner_output', 'render', 'document'] as const;
export type FilterStage = (typeof FILTER_STAGES)[number];

export const FILTER_LIMITS = {
  pattern: { min: 1, max: 200 },
  category: { min: 1, max: 40 },
  /** Text the "try this text" box accepts. */
  testText: { max: 20_000 },
  /** Lines one import may hold. */
  importLines: { max: 50_000 },
  importBytes: { max: 4 * 1024 * 1024 },
} as const;

/** A rule as the engine takes it: no database fields beyond the id. */
export interface FilterRuleSpec {
  id: string;
  pattern: string;
  kind: FilterRuleKind;
  category: string;
  action: FilterAction;
  /** Empty: every stage. */
  stages: FilterStage[];
  enabled: boolean;
}

/** One hit: offsets are UTF-16 code-unit offsets into the original text (`text.slice(start, end)`). */
export interface FilterMatch {
  rule_id: string;
  category: string;
  action: FilterAction;
  start: number;
  end: number;
  /** The offending characters as they appear in the original text. */
  text: string;
}

const category = z
  .string({ error: 'category must be a string' })
  .trim()
  .min(FILTER_LIMITS.category.min, { error: 'category is required' })
  .max(FILTER_LIMITS.category.max, { error: `category must be at most ${FILTER_LIMITS.category.max} characters` });

const pattern = z
  .string({ error: 'pattern must be a string' })
  .trim()
  .min(FILTER_LIMITS.pattern.min, { error: 'pattern is required' })
  .max(FILTER_LIMITS.pattern.max, { error: `pattern must be at most ${FILTER_LIMITS.pattern.max} characters` });

export const CreateFilterRuleBodySchema = z.strictObject({
  pattern,
  kind: z.enum(FILTER_RULE_KINDS).default('word'),
  category,
  action: z.enum(FILTER_ACTIONS),
  stages: z.array(z.enum(FILTER_STAGES)).max(FILTER_STAGES.length).default([]),
  enabled: z.boolean().default(true),
});
export type CreateFilterRuleBody = z.infer<typeof CreateFilterRuleBodySchema>;

export const UpdateFilterRuleBodySchema = z
  .strictObject({
    pattern: pattern.optional(),
    kind: z.enum(FILTER_RULE_KINDS).optional(),
    category: category.optional(),
    action: z.enum(FILTER_ACTIONS).optional(),
    stages: z.array(z.enum(FILTER_STAGES)).max(FILTER_STAGES.length).optional(),
    enabled: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { error: 'give at least one field to change' });
export type UpdateFilterRuleBody = z.infer<typeof UpdateFilterRuleBodySchema>;

export const TestFilterBodySchema = z.strictObject({
  text: z.string({ error: 'text must be a string' }).max(FILTER_LIMITS.testText.max, { error: `text must be at most ${FILTER_LIMITS.testText.max} characters` }),
  stage: z.enum(FILTER_STAGES).optional(),
});
export type TestFilterBody = z.infer<typeof TestFilterBodySchema>;

/** `POST /api/admin/filter-rules/import`: one word per line, or CSV `pattern,category,action`. */
export const ImportFilterRulesBodySchema = z.strictObject({
  format: z.enum(['lines', 'csv']),
  text: z.string().max(FILTER_LIMITS.importBytes.max, { error: 'the list is too large (4 MiB at most)' }),
  /** For `lines`: the category and action every word gets. */
  category: category.optional(),
  action: z.enum(FILTER_ACTIONS).optional(),
  enabled: z.boolean().default(true),
});
export type ImportFilterRulesBody = z.infer<typeof ImportFilterRulesBodySchema>;

export const FilterRulesQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(200).default(50),
  /** Part of the pattern or the category. */
  q: z.string().max(200).optional(),
});
export type FilterRulesQuery = z.infer<typeof FilterRulesQuerySchema>;

export const ReviewsQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(200).default(50),
  status: z.enum(['pending', 'approved', 'rejected']).optional(),
});
export type ReviewsQuery = z.infer<typeof ReviewsQuerySchema>;

export const ExportFilterRulesQuerySchema = z.object({ format: z.enum(['lines', 'csv']).default('csv') });

export interface FilterRuleView extends FilterRuleSpec {
  /** How often the rule matched since it was made. */
  hits: number;
  created_at: string;
  updated_at: string;
}

export interface TestFilterResponse {
  matches: FilterMatch[];
  /** The text with every `mask` match replaced by ＊, one per character. */
  masked: string;
  /** What the text would get at that stage: the strongest action among the matches, or `allow`. */
  verdict: FilterAction | 'allow';
}

export interface ImportFilterRulesResponse {
  added: number;
  skipped_duplicates: number;
  refused: { line: number; text: string; reason: string }[];
}

/** The body of a 422 when text is blocked: which category and where. */
export interface FilterBlockedError {
  statusCode: 422;
  error: 'Unprocessable Entity';
  code: 'content_blocked';
  message: string;
  category: string;
  span: { start: number; end: number; text: string };
  /** Stage `render`: every blocked span, per scene. */
  scenes?: { scene_id: string; scene_number: number; field: string; category: string; start: number; end: number; text: string }[];
}

/** Socket.IO `filter:hits`: what the server found in the live storyboard (never the rules themselves). */
export interface DocumentFilterHit {
  scene_id: string | null;
  /** `description`, `subtitle`, `title`, `comment:<id>`, `character:<id>`… */
  field: string;
  start: number;
  end: number;
  category: string;
  action: FilterAction;
}
export interface DocumentFilterHitsEvent {
  project_id: string;
  hits: DocumentFilterHit[];
}

// ---------------------------------------------------------------------------------------------
// Review queue and audit log

export const REVIEW_KINDS = ['task', 'project', 'comment', 'version'] as const;
export type ReviewKind = (typeof REVIEW_KINDS)[number];

export interface ReviewItemView {
  id: string;
  kind: ReviewKind;
  /** The held task's id for `task`. */
  target_id: string;
  text: string;
  matches: FilterMatch[];
  stage: FilterStage;
  username: string;
  status: 'pending' | 'approved' | 'rejected';
  decided_by: string | null;
  created_at: string;
  decided_at: string | null;
}

export const ReviewDecisionBodySchema = z.strictObject({ note: z.string().max(500).optional() });
export type ReviewDecisionBody = z.infer<typeof ReviewDecisionBodySchema>;

export const AUDIT_KINDS = ['filter_hit', 'admin_action'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

export interface AuditEntryView {
  id: string;
  at: string;
  kind: AuditKind;
  /** e.g. `filter.block`, `user.create`, `user.role`, `rule.update`, `review.approve`, `task.cancel`. */
  action: string;
  user_id: string | null;
  username: string | null;
  /** What it was about: a rule id, a user id, a task id, a project id. */
  target: string | null;
  detail: Record<string, unknown>;
}

export const AuditQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(200).default(50),
  username: z.string().max(64).optional(),
  kind: z.enum(AUDIT_KINDS).optional(),
  /** ISO date-times. */
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
export type AuditQuery = z.infer<typeof AuditQuerySchema>;

export interface SystemStatusView {
  database: 'sqlite' | 'postgres';
  data_dir: { used_bytes: number; free_bytes: number; total_bytes: number };
  queue: { pending: number; held: number; running: number };
  models: { llm: number; diffusion: number; embeddings: number; broken: number };
  version: string;
  uptime_s: number;
  node: string;
}
