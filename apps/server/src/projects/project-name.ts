import { detectLanguage } from '@reelcraft/inference';
import { LIMITS, aspectOfSize, emptyStoryboard, type Aspect, type Storyboard } from '@reelcraft/shared';

/** A project name from a task's prompt: one line, cut at the name limit (by characters, not UTF-16 units). */
export function nameFromPrompt(prompt: string): string {
  const line = prompt.replace(/\s+/g, ' ').trim();
  const chars = [...line];
  if (chars.length <= LIMITS.projectName.max) return line;
  return chars.slice(0, LIMITS.projectName.max - 1).join('').trimEnd() + '…';
}

/** The server's render settings, which a new storyboard starts from (people may change them per project). */
export interface DefaultLook {
  width: number;
  height: number;
  fps: number;
}

/**
 * An empty storyboard titled like the project, in the language `text` is written in (its name or
 * prompt), sized and timed as the server renders by default.
 */
export function emptyStoryboardFor(name: string, look: DefaultLook, text: string = name): Storyboard {
  const sb = emptyStoryboard(name, detectLanguage(text));
  const aspect = aspectOfSize(look.width, look.height);
  sb.style = { ...sb.style, width: look.width, height: look.height, fps: look.fps, aspect: aspect ?? (sb.style.aspect as Aspect) };
  return sb;
}
