/** What a throttle needs to know about a sampling step. */
export interface PreviewStep {
  scene_number: number;
  /** 1-based, counted over the scene. */
  step: number;
  steps: number;
}

/** The render worker's default: about one preview a second per scene. */
export const DEFAULT_PREVIEW_INTERVAL_MS = 1000;

/**
 * Which sampling steps get their preview JPEG encoded and sent: per scene the first step, then
 * at most one every `intervalMs`, and always the scene's last step. Every other step's preview is
 * dropped before anything is encoded. The render worker uses this; so does the benchmark, so it
 * measures the configuration the worker runs.
 */
export function previewThrottle(intervalMs = DEFAULT_PREVIEW_INTERVAL_MS, now: () => number = () => performance.now()): (step: PreviewStep) => boolean {
  const lastSent = new Map<number, number>();
  return (e) => {
    const t = now();
    if (t - (lastSent.get(e.scene_number) ?? -Infinity) < intervalMs && e.step !== e.steps) return false;
    lastSent.set(e.scene_number, t);
    return true;
  };
}
