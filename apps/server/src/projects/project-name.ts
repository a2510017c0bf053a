import { detectLanguage } from '@reelcraft/inference';
import { aspectOfSize, emptyStoryboard, type Aspect, type Storyboard } from '@reelcraft/shared';

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
