import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ModelEntry } from '@reelcraft/shared';
import { onnxVariants, pickVariant, type OnnxPrecision } from './onnx-variants';
import type { ModelInspection } from './model-inspection';

/** A deeper check (opening ONNX sessions, reading signatures) supplied by the diffusion pipeline. */
export type DiffusionInspector = (dir: string) => Promise<ModelInspection>;

const REQUIRED_COMPONENTS = ['text_encoder', 'unet', 'vae_decoder'] as const;
const OPTIONAL_COMPONENTS = ['vae_encoder'] as const;
const REQUIRED_FILES = ['tokenizer/vocab.json', 'tokenizer/merges.txt', 'scheduler/scheduler_config.json'] as const;

const exists = (p: string) => stat(p).then(() => true, () => false);

async function jsonProblem(path: string, rel: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return `${rel} missing`;
  }
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? null : `${rel} is not a JSON object`;
  } catch {
    return `${rel} is not valid JSON`;
  }
}

/**
 * Checks an Optimum/diffusers ONNX export folder by its files alone, naming every missing part,
 * then (only when the layout is whole) hands it to the pipeline's own inspector.
 */
export async function inspectDiffusionDir(dir: string, inspect?: DiffusionInspector): Promise<ModelEntry> {
  const problems: string[] = [];
  const indexProblem = await jsonProblem(join(dir, 'model_index.json'), 'model_index.json');
  if (indexProblem) problems.push(indexProblem);

  const variants: Record<string, OnnxPrecision[]> = {};
  // Each component runs from its own pick, so a folder may mix them (an 8-bit UNet beside a full-precision VAE).
  const runs: Record<string, string> = {};
  for (const component of [...REQUIRED_COMPONENTS, ...OPTIONAL_COMPONENTS]) {
    const found = await onnxVariants(join(dir, component));
    variants[component] = Object.keys(found) as OnnxPrecision[];
    const picked = pickVariant(found);
    if (picked) runs[component] = picked;
    const required = (REQUIRED_COMPONENTS as readonly string[]).includes(component);
    if (required && variants[component].length === 0) problems.push(`${component}/model.onnx missing`);
  }
  for (const rel of REQUIRED_FILES) {
    if (rel.endsWith('.json')) {
      const p = await jsonProblem(join(dir, rel), rel);
      if (p) problems.push(p);
    } else if (!(await exists(join(dir, rel)))) {
      problems.push(`${rel} missing`);
    }
  }

  let inspected = false;
  if (problems.length === 0 && inspect) {
    inspected = true;
    try {
      const result = await inspect(dir);
      problems.push(...result.problems);
      if (!result.ok && result.problems.length === 0) problems.push('the diffusion pipeline rejected this export');
    } catch (err) {
      problems.push(`inspection failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  return {
    kind: 'diffusion',
    name: basename(dir),
    path: dir,
    ok: problems.length === 0,
    problems,
    details: { variants, runs, imageToImage: variants.vae_encoder!.length > 0, inspected },
  };
}
