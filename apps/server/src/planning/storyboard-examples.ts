import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { EXAMPLE_CANDIDATES_MAX } from '@reelcraft/inference';
import { LIMITS, StoryboardPlanSchema, type StoryboardPlan } from '@reelcraft/shared';
import { DataSource, IsNull, Not } from 'typeorm';
import { Task } from '../renders/task.entity';

/** How many of a person's recent planned tasks are compared with a new prompt. */
const CANDIDATES = 200;
/** Below this overlap a past storyboard is about something else and would only mislead the model. */
const MIN_SIMILARITY = 0.12;

/**
 * Character bigrams of a prompt, lower-cased with white space and punctuation removed: Chinese has
 * no spaces between words, and two-character pieces match its words about as well as English's.
 */
export function bigrams(text: string): Set<string> {
  const chars = [...text.toLowerCase().replace(/[\s\p{P}\p{S}]+/gu, '')];
  const out = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i]! + chars[i + 1]!);
  return out;
}

/** Jaccard overlap of two bigram sets, 0 (nothing shared) to 1 (the same). */
export function similarity(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const g of a) if (b.has(g)) shared++;
  return shared / (a.size + b.size - shared);
}

/** What the planner is given to pick its worked examples from (see StoryboardExamples.forPrompt). */
export interface ExampleChoices {
  /** Up to 2 plans whose prompts share the most words with the new one (the choice without an embedding model). */
  examples: StoryboardPlan[];
  /**
   * Up to EXAMPLE_CANDIDATES_MAX plans with their prompts, most word overlap first, then most recent:
   * a planner process with an embedding model chooses among these by meaning instead, which also
   * finds a past prompt in other words or another language.
   */
  exampleCandidates: { prompt: string; plan: StoryboardPlan }[];
}

/**
 * The "retrieved past storyboards" the LLM planner is shown as worked examples: the owner's own
 * earlier plans whose prompts resemble the new one most. Only the owner's, so one person's work
 * never leaks into another's storyboard.
 */
@Injectable()
export class StoryboardExamples {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async forPrompt(ownerId: string, prompt: string, max = 2): Promise<ExampleChoices> {
    const rows = await this.db.getRepository(Task).find({
      where: { owner_id: ownerId, plan: Not(IsNull()) },
      order: { created_at: 'DESC' },
      take: CANDIDATES,
      select: { id: true, prompt: true, plan: true },
    });
    const wanted = bigrams(prompt);
    const ranked = rows
      .flatMap((row) => {
        // Edited storyboards may hold more scenes than a plan; only plans the model could write serve as examples.
        const plan = StoryboardPlanSchema.safeParse(row.plan);
        return plan.success && row.prompt.trim() && row.prompt.length <= LIMITS.prompt.max ? [{ prompt: row.prompt, plan: plan.data, score: similarity(wanted, bigrams(row.prompt)) }] : [];
      })
      // Stable: equal scores keep the newest first.
      .sort((a, b) => b.score - a.score);
    return {
      examples: ranked.filter(({ score }) => score >= MIN_SIMILARITY).slice(0, max).map(({ plan }) => plan),
      exampleCandidates: ranked.slice(0, EXAMPLE_CANDIDATES_MAX).map(({ prompt, plan }) => ({ prompt, plan })),
    };
  }
}
