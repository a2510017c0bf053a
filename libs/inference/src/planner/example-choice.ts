import type { StoryboardPlan } from '@reelcraft/shared';
import { cosine, type SentenceEmbedder } from '../embeddings/sentence-embedder';

/** At most this many examples go to the model (each costs hundreds of tokens of context). */
export const EXAMPLES_CHOSEN = 2;
/**
 * Below this cosine a past prompt is about something else. Sentence-embedding models put
 * unrelated sentences at roughly 0.1–0.5 and paraphrases above 0.7; a misleading example costs
 * more than none, so the bar sits between.
 */
export const MIN_EXAMPLE_SIMILARITY = 0.6;

/** The candidates whose prompts mean most nearly what `prompt` means, best first. */
export async function chooseExamplesByMeaning(
  embedder: SentenceEmbedder,
  prompt: string,
  candidates: readonly { prompt: string; plan: StoryboardPlan }[],
  max = EXAMPLES_CHOSEN,
): Promise<StoryboardPlan[]> {
  if (candidates.length === 0) return [];
  const [query, ...others] = await embedder.embed([prompt, ...candidates.map((c) => c.prompt)]);
  return candidates
    .map((c, i) => ({ plan: c.plan, score: cosine(query!, others[i]!) }))
    .filter((c) => c.score >= MIN_EXAMPLE_SIMILARITY)
    .sort((a, b) => b.score - a.score)
    .slice(0, max)
    .map((c) => c.plan);
}
