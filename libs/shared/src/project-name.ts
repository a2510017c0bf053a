/** How long a name made from a prompt may be: short enough to read at a glance in a list. */
export const PROMPT_NAME_MAX = 40;

// Where a clause ends, in Chinese and in Western punctuation (a full stop only before a space or
// the end, so that "v2.1" and "3.5 s" stay whole).
const CLAUSE_END = /[，。、；：！？,;:!?\n]|\.(?=\s|$)/u;

/**
 * A project's name from the prompt it was made from: its first clause on one line, at most
 * PROMPT_NAME_MAX characters (counted as characters, not UTF-16 units, and cut with "…").
 * "制作一段关于森林探险的短视频，包含河流和小动物" → "制作一段关于森林探险的短视频".
 */
export function projectNameFromPrompt(prompt: string): string {
  const text = prompt.replace(/[ \t\r\f\v]+/g, ' ').trim();
  const first = text.split(CLAUSE_END).map((c) => c.trim()).find((c) => c.length > 0) ?? '';
  return cutToChars(first || text.replace(/\s+/g, ' '), PROMPT_NAME_MAX);
}

/** `line` when it has at most `max` characters (not UTF-16 units), else its start cut to `max` with "…". */
export function cutToChars(line: string, max: number): string {
  const chars = [...line];
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}
