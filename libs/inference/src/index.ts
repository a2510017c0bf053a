import { join } from 'node:path';

export type { PlanOptions, Planner } from './planner/planner';
export { RuleBasedPlanner } from './planner/rule-based-planner';
export { detectLanguage, parsePrompt, type ParsedPrompt } from './planner/prompt-parser';
export { LlmPlanner, type LlmPlannerOptions, type LlmPlanOptions, type LlmCallOptions, type GenerationStats } from './planner/llm-planner';
export { createPlanner, disposePlanner, type CreatePlannerOptions } from './planner/create-planner';
export { defaultThreads, type LlamaGpu } from './planner/llama-runtime';
export { DEFAULT_GENERATION_LIMITS, planJsonSchema, sceneJsonSchema, type GenerationLimits } from './planner/plan-json-schema';
export { SceneStreamScanner } from './planner/scene-stream';
export { repairPlan, repairScene } from './planner/plan-repair';
export {
  PlannerProcess,
  PlannerProcessError,
  PLANNER_PROCESS_PATH,
  type PlannerProcessErrorCode,
  type PlannerProcessOptions,
  type ProcessPlanOptions,
  type ProcessPlanResult,
  type ProcessEditOptions,
  type ProcessEditResult,
} from './planner/planner-process-client';
export { splitSceneByRule, mergeScenesByRule, splitText, joinTexts } from './planner/rule-based-scene-edits';
export { StoryboardPlanning, SceneEditError, type SceneEditErrorCode, type SceneEditOutcome, type PlanOutcome, type ReportedPlanOptions, type ReportingPlanner, type StoryboardPlanningOptions } from './planner/storyboard-planning';
export * from './planner/planner-protocol';
export { servePlannerProcess, processPlannerPort, type PlannerPort, type LoadPlanner, type LoadedPlanner } from './planner/serve-planner-process';

export { ModelRegistry, scanModels, type ModelRegistryOptions } from './models/registry';
export { inspectDiffusionInChildProcess, inspectEmbeddingsInChildProcess, inspectGgufInChildProcess, INSPECT_CHILD_PATH } from './models/inspect-in-child';
export { checkEmbeddingsModel } from './models/embeddings-contract';
export { inspectEmbeddingsFolder } from './models/inspect-embeddings';
export type { DiffusionInspector } from './models/diffusion-layout';
export { readGgufFile, metadataValue, GgufFormatError, type GgufFile, type GgufFileInfo, type GgufTensorInfo } from './models/gguf-file';
export { inspectGguf } from './models/llm-check';
export { buildTinyGguf, writeTinyGguf, type TinyGgufOptions, type TinyGgufInfo } from './testing/tiny-gguf';

export type { RenderOptions, SceneRenderer } from './renderer/scene-renderer';
export { AnimaticRenderer, AnimaticComposer, BACKDROP_OVERSCAN, SUBTITLE_SAFE_AREA } from './renderer/animatic-renderer';
export { findCjkFontPath, labelFontFamilies } from './renderer/fonts';
export { deriveSceneStyle, type SceneStyle, type SceneFeatures, type TimeOfDay } from './renderer/scene-style';
export { encodeJpeg } from './renderer/poster';

export { ClipTokenizer, bytesToUnicode, type ClipEncoding, type ClipTokenizerFiles } from './diffusion/clip-tokenizer';
export * from './diffusion/schedulers';
export { DiffusionPipeline, DiffusionNumericsError, DEFAULT_SCALING_FACTOR, type DiffusionPipelineOptions, type GenerateRequest, type GenerateResult, type PipelineStats, type StepEvent } from './diffusion/pipeline';
export { inspectDiffusionPipeline } from './diffusion/inspect';
export { EXPORT_CONTRACT, checkComponent, type DiffusionComponent } from './diffusion/export-contract';
export { DiffusionRenderer, type DiffusionRendererOptions, type DiffusionStepEvent, type SceneDiffusionStats } from './diffusion/diffusion-renderer';
export { sharedDiffusionPipeline, releaseSharedDiffusionPipelines } from './diffusion/worker-pipeline';
export { LATENT_RGB_FACTORS_SD15, LatentPreview, latentToRgb, latentPreviewJpeg, rgbPreviewJpeg } from './diffusion/latent-preview';
export { GaussianNoise, deriveSeed } from './diffusion/random';
export { ONNX_DEVICES, type OnnxDevice } from './diffusion/onnx-devices';
export { onnxVariants, pickPrecision, type OnnxPrecision } from './models/onnx-variants';
export { writeTinyDiffusionPipeline, tinyTokenizer, type TinyDiffusionOptions, type TinyTimestepVariant } from './testing/tiny-onnx';
export { writeTinyEmbeddingsModel, type TinyEmbeddingsOptions } from './testing/tiny-embeddings';
export { GraphBuilder, ONNX_FLOAT } from './testing/tiny-onnx-graph';
export { sdLikeUnetBody, sdLikeDecoderBody, sdLikeShape, SD15_SHAPE, type SdLikeShape } from './testing/sd-like-graphs';

export { encodeClip, type ClipInfo, type EncodeClipOptions } from './clip/encode-clip';
export { CLIP_ENCODING, clipOutputOptions, clipTimescale } from './clip/encoding';

export { runFfmpeg, ffmpegBinary, summariseLog, abortReason, MediaToolError, type FfmpegInput, type FfmpegJob, type FfmpegResult, type RunFfmpegOptions } from './media/ffmpeg';
export { runTool, type RunToolOptions } from './media/run-tool';
export {
  ffprobeBinary,
  parseFfprobeJson,
  parseRational,
  probeMedia,
  probeStreams,
  probeVideo,
  type AudioStreamInfo,
  type MediaProbe,
  type StreamInfo,
  type VideoProbe,
  type VideoStreamInfo,
} from './media/probe';
export { CJK_FONT_CANDIDATES, DEFAULT_CJK_FAMILY, familyForFontsDir, findCjkFont, findCjkFontsDir, type CjkFont, type CjkFontCandidate } from './media/fonts';
export { ESPEAK_BIN, SPEECH_VOICES, speechVoice, synthesizeSpeech, type SpeechLanguage, type SynthesizeOptions } from './media/speech';
export { measureVolume, type MeasureVolumeOptions, type VolumeStats } from './media/loudness';
export { sha256File } from './media/files';

export * from './worker/protocol';
export { TaskFailure, DISK_FULL_TEXT, knownFailureCodeOf, failureReason, readFailureReason } from './worker/task-failure';
export { previewThrottle, DEFAULT_PREVIEW_INTERVAL_MS, type PreviewStep } from './worker/preview-throttle';
export { runRenderJob, renderScene, type RenderJobHooks, type RenderJobResult, type SceneContext, type SceneProgress, type ScenePreview, type SceneResult } from './worker/run-render-job';
export { serveRenderWorker, processWorkerPort, runSceneJob, type RunSceneJob, type SceneJobHooks, type WorkerPort } from './worker/serve-render-worker';
export { SupervisedChild, type ChildExit, type ChildExitCause, type SupervisedChildOptions } from './util/supervised-child';
export { MiB, memoryLimitMessage, readRssBytes, readTreeRssBytes, watchMemory, type MemoryWatchdog } from './util/memory-watchdog';
export { StderrTail, childStoppedMessage } from './util/child-exit';

export { AbortError, isAbortError } from './util/abort';
export { TimeoutError } from './util/timeout';

/**
 * The render worker's entry file, for `child_process.fork(RENDER_WORKER_PATH)`. It points into
 * dist/, so it is only valid in the built package (which is what the server runs).
 */
export const RENDER_WORKER_PATH = join(__dirname, 'worker', 'render-worker.js');
