import { LIMITS } from '@reelcraft/shared';

export interface BatchPrompts {
  /** Each non-empty line, trimmed. */
  prompts: string[];
  /** 1-based line numbers (counting only non-empty lines) longer than the prompt limit. */
  tooLong: number[];
  /** More prompts than one batch may hold. */
  tooMany: boolean;
}

/** The prompts of a batch written one per line; blank lines are skipped. */
export function splitPrompts(text: string): BatchPrompts {
  const prompts = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length >= LIMITS.prompt.min);
  const tooLong = prompts.flatMap((p, i) => (p.length > LIMITS.prompt.max ? [i + 1] : []));
  return { prompts, tooLong, tooMany: prompts.length > LIMITS.batch.max };
}
