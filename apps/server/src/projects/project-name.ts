import { detectLanguage } from '@reelcraft/inference';
import { LIMITS, emptyStoryboard, type Storyboard } from '@reelcraft/shared';

/** A project name from a task's prompt: one line, cut at the name limit (by characters, not UTF-16 units). */
export function nameFromPrompt(prompt: string): string {
  const line = prompt.replace(/\s+/g, ' ').trim();
  const chars = [...line];
  if (chars.length <= LIMITS.projectName.max) return line;
  return chars.slice(0, LIMITS.projectName.max - 1).join('').trimEnd() + '…';
}

/** An empty storyboard titled like the project, in the language its name is written in. */
export function emptyStoryboardFor(name: string): Storyboard {
  return emptyStoryboard(name, detectLanguage(name));
}
