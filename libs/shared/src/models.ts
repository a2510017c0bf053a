/**
 * What the model registry reports about the files an operator dropped into MODELS_DIR: the
 * inference module produces it, the server serves it at /api/admin/models, the admin console
 * shows it.
 */
export const MODEL_KINDS = ['llm', 'diffusion', 'embeddings'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

export interface ModelEntry {
  kind: ModelKind;
  /** File name for an LLM (`qwen2.5-1.5b.gguf`), folder name for the others. */
  name: string;
  /** Path of the file or folder: absolute inside the server, relative to MODELS_DIR in the admin API. */
  path: string;
  /** True when the model can be used as is; otherwise `problems` says what to fix. */
  ok: boolean;
  /** Human-readable, precise: "llama.feed_forward_length missing", "unet/model.onnx missing". */
  problems: string[];
  /** What was learned without loading the model (architecture, context length, variants…). */
  details: Record<string, unknown>;
}

export interface ModelsView {
  modelsDir: string;
  /** ISO time of the scan this view comes from. */
  scannedAt: string;
  llm: ModelEntry[];
  diffusion: ModelEntry[];
  embeddings: ModelEntry[];
}

/**
 * What every signed-in user may know of the installed models (`GET /api/models`, and the
 * `models:changed` event after a rescan changed it): which kinds have a usable model, so the studio
 * can disable what needs one (rewriting a scene needs an LLM) and say why.
 */
export interface ModelCapabilities {
  llm: boolean;
  diffusion: boolean;
  embeddings: boolean;
  /** ISO time of the scan this comes from. */
  scannedAt: string;
}

export function modelCapabilities(view: ModelsView): ModelCapabilities {
  return {
    llm: view.llm.some((e) => e.ok),
    diffusion: view.diffusion.some((e) => e.ok),
    embeddings: view.embeddings.some((e) => e.ok),
    scannedAt: view.scannedAt,
  };
}
