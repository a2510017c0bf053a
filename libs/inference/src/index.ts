import { join } from 'node:path';

export type { PlanOptions, Planner } from './planner/planner';
export { RuleBasedPlanner } from './planner/rule-based-planner';
export { detectLanguage, parsePrompt, type ParsedPrompt } from './planner/prompt-parser';

export type { RenderOptions, SceneRenderer } from './renderer/scene-renderer';
export { AnimaticRenderer, AnimaticComposer, BACKDROP_OVERSCAN, SUBTITLE_SAFE_AREA } from './renderer/animatic-renderer';
export { CJK_FONT_CANDIDATES, findCjkFontPath, labelFontFamilies } from './renderer/fonts';
export { deriveSceneStyle, type SceneStyle, type SceneFeatures, type TimeOfDay } from './renderer/scene-style';
export { encodeJpeg } from './renderer/poster';

export { encodeClip, type ClipInfo, type EncodeClipOptions } from './clip/encode-clip';
export { CLIP_ENCODING, clipOutputOptions, clipTimescale } from './clip/encoding';
export { probeVideo, parseRational, type VideoProbe } from './clip/probe';

export * from './worker/protocol';
export { runRenderJob, type RenderJobHooks, type RenderJobResult, type SceneProgress, type SceneResult } from './worker/run-render-job';
export { serveRenderWorker, processWorkerPort, type WorkerPort } from './worker/serve-render-worker';

export { AbortError, isAbortError } from './util/abort';

/**
 * The render worker's entry file, for `child_process.fork(RENDER_WORKER_PATH)`. It points into
 * dist/, so it is only valid in the built package (which is what the server runs).
 */
export const RENDER_WORKER_PATH = join(__dirname, 'worker', 'render-worker.js');
