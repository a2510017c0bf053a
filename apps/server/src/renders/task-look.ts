import { SIZE_PRESETS, aspectOfSize, sizeForAspect, type Aspect, type SizePreset, type StoryboardPlan } from '@reelcraft/shared';
import type { TaskLook } from './task.entity';

/** The server's render size (RENDER_WIDTH × RENDER_HEIGHT), which a task's frame is worked out around. */
interface ServerSize {
  width: number;
  height: number;
}

/**
 * The frame a seed-API task asked for, in pixels: the aspect preset around the server's short side
 * (or the size preset's), both sides even. Null when it asked for neither: the server's size as it is.
 */
export function taskLook(asked: { aspect?: Aspect; size?: SizePreset }, server: ServerSize): TaskLook | null {
  if (!asked.aspect && !asked.size) return null;
  const short = asked.size ? SIZE_PRESETS[asked.size] : Math.min(server.width, server.height);
  const aspect = asked.aspect ?? aspectOfSize(server.width, server.height);
  if (aspect) return sizeForAspect(aspect, short);
  // Only a size, and the server renders at a ratio no preset has: its own ratio, scaled.
  const scale = short / Math.min(server.width, server.height);
  const even = (n: number) => 2 * Math.round(n / 2);
  return { width: even(server.width * scale), height: even(server.height * scale) };
}

/**
 * A planned prompt's storyboard with the task's frame as its style, so the render (which takes a
 * plan's style over the server's size) draws it at that size; unchanged when the task asked for none.
 * Seed 0 and no style prompt are what a plan without a style renders with.
 */
export function withTaskLook<P extends StoryboardPlan>(plan: P, look: TaskLook | null, fps: number): P {
  if (!look) return plan;
  return { ...plan, style: { style_prompt: '', negative_prompt: '', seed: 0, width: look.width, height: look.height, fps } };
}
