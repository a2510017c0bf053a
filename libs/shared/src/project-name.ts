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
  const line = first || text.replace(/\s+/g, ' ');
  const chars = [...line];
  if (chars.length <= PROMPT_NAME_MAX) return line;
  return chars.slice(0, PROMPT_NAME_MAX - 1).join('').trimEnd() + '…';
}
