import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Language } from '@reelcraft/shared';

/** The wording of the LLM prompts, kept as data (templates/planner.<lang>.json) so it can be tuned without code. */
export interface PlannerTemplate {
  language: Language;
  system: string;
  exampleRequest: string;
  request: string;
  rewrite: string;
  split: string;
  merge: string;
}

const KEYS = ['system', 'exampleRequest', 'request', 'rewrite', 'split', 'merge'] as const;

/**
 * templates/ sits at the package root; this file is one folder below the root both as
 * src/planner/*.ts and as dist/planner/*.js, so one relative path serves tests and the build.
 */
export const TEMPLATES_DIR = join(__dirname, '..', '..', 'templates');

const cache = new Map<Language, PlannerTemplate>();

export function loadPlannerTemplate(language: Language, dir = TEMPLATES_DIR): PlannerTemplate {
  const cached = dir === TEMPLATES_DIR ? cache.get(language) : undefined;
  if (cached) return cached;
  const file = join(dir, `planner.${language}.json`);
  const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof raw !== 'object' || raw === null) throw new Error(`${file}: not a JSON object`);
  const record = raw as Record<string, unknown>;
  for (const key of KEYS) if (typeof record[key] !== 'string') throw new Error(`${file}: "${key}" must be a string`);
  const template = { ...(record as unknown as PlannerTemplate), language };
  if (dir === TEMPLATES_DIR) cache.set(language, template);
  return template;
}

/** Replaces `{name}` placeholders; an unknown placeholder is a template bug, so it throws. */
export function fillTemplate(text: string, values: Readonly<Record<string, string | number>>): string {
  return text.replace(/\{([A-Za-z]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template placeholder {${name}} has no value`);
    return String(value);
  });
}
