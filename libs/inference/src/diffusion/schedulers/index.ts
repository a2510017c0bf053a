import { parseSchedulerConfig, schedulerKindOf, type SchedulerConfig, type SchedulerKind } from './config';
import { DdimScheduler } from './ddim';
import { EulerScheduler } from './euler';
import { LcmScheduler } from './lcm';
import type { Scheduler } from './scheduler';

export { alphasCumprod, parseSchedulerConfig, roundHalfEven, schedulerKindOf, spacedTimesteps, type SchedulerConfig, type SchedulerKind } from './config';
export { guidanceEmbedding } from './lcm';
export { allFinite, combineGuidance, type GuidedOutput, type Scheduler, type StepResult } from './scheduler';
export { DdimScheduler, EulerScheduler, LcmScheduler };

export const SCHEDULER_KINDS: readonly SchedulerKind[] = ['euler', 'euler-ancestral', 'ddim', 'lcm'];

/** A scheduler for `steps` steps; `kind` overrides the class the config names. */
export function createScheduler(config: SchedulerConfig, steps: number, kind: SchedulerKind = schedulerKindOf(config)): Scheduler {
  switch (kind) {
    case 'euler':
      return new EulerScheduler(config, steps);
    case 'euler-ancestral':
      return new EulerScheduler(config, steps, true);
    case 'ddim':
      return new DdimScheduler(config, steps);
    case 'lcm':
      return new LcmScheduler(config, steps);
  }
}

/** Convenience for a raw scheduler_config.json object. */
export function schedulerFromJson(raw: Record<string, unknown>, steps: number, kind?: SchedulerKind): Scheduler {
  const config = parseSchedulerConfig(raw, kind);
  return createScheduler(config, steps, kind);
}
