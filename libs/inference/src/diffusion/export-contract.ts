import type { TensorInfo } from './onnx-session';

/**
 * What this pipeline needs from an Optimum (or diffusers-script) Stable Diffusion 1.x/2.x ONNX
 * export: per component, the inputs and outputs by name, with allowed element types and ranks.
 * The known variants are allowed explicitly (int32 or int64 ids; int64 [1], float32 [] or
 * float32 [batch] timesteps; latent_sample or latent_parameters from the encoder; float32 or
 * float16 values, the latter from half-precision exports).
 */
interface ValueRule {
  name: string;
  types: readonly string[];
  ranks: readonly number[];
  optional?: boolean;
  /** Fixed sizes at dims where the model states a number (e.g. 4 latent channels). */
  dims?: Record<number, number>;
}

interface ComponentRule {
  inputs: readonly ValueRule[];
  /** At least one of these outputs must exist (vae_encoder has two generations of name). */
  outputs: readonly ValueRule[];
  anyOutput?: boolean;
}

export const DIFFUSION_COMPONENTS = ['text_encoder', 'unet', 'vae_decoder', 'vae_encoder'] as const;
export type DiffusionComponent = (typeof DIFFUSION_COMPONENTS)[number];

/** Optimum's `--dtype fp16` exports take and give float16; the pipeline converts at the edges. */
const FLOATS = ['float32', 'float16'] as const;

export const EXPORT_CONTRACT: Record<DiffusionComponent, ComponentRule> = {
  text_encoder: {
    inputs: [{ name: 'input_ids', types: ['int64', 'int32'], ranks: [2] }],
    outputs: [{ name: 'last_hidden_state', types: FLOATS, ranks: [3] }],
  },
  unet: {
    inputs: [
      { name: 'sample', types: FLOATS, ranks: [4], dims: { 1: 4 } },
      { name: 'timestep', types: ['int64', ...FLOATS], ranks: [0, 1] },
      { name: 'encoder_hidden_states', types: FLOATS, ranks: [3] },
      { name: 'timestep_cond', types: FLOATS, ranks: [2], optional: true },
    ],
    outputs: [{ name: 'out_sample', types: FLOATS, ranks: [4], dims: { 1: 4 } }],
  },
  vae_decoder: {
    inputs: [{ name: 'latent_sample', types: FLOATS, ranks: [4], dims: { 1: 4 } }],
    outputs: [{ name: 'sample', types: FLOATS, ranks: [4], dims: { 1: 3 } }],
  },
  vae_encoder: {
    inputs: [{ name: 'sample', types: FLOATS, ranks: [4], dims: { 1: 3 } }],
    outputs: [
      { name: 'latent_sample', types: FLOATS, ranks: [4], dims: { 1: 4 } },
      { name: 'latent_parameters', types: FLOATS, ranks: [4], dims: { 1: 8 } },
    ],
    anyOutput: true,
  },
};

/** Precise problems with one component's inputs/outputs; empty when it fits the contract. */
export function checkComponent(component: DiffusionComponent, inputs: readonly TensorInfo[], outputs: readonly TensorInfo[], file = 'model.onnx'): string[] {
  const rule = EXPORT_CONTRACT[component];
  const problems: string[] = [];
  const where = `${component}/${file}`;
  const describe = (v: TensorInfo) => `${v.name} ${v.type}[${v.shape.join(', ')}]`;

  const checkValue = (kind: 'input' | 'output', r: ValueRule, v: TensorInfo) => {
    if (!r.types.includes(v.type)) problems.push(`${where}: ${kind} ${r.name} is ${v.type}, expected ${r.types.join(' or ')}`);
    if (!r.ranks.includes(v.shape.length)) problems.push(`${where}: ${kind} ${r.name} has rank ${v.shape.length} [${v.shape.join(', ')}], expected rank ${r.ranks.join(' or ')}`);
    for (const [at, size] of Object.entries(r.dims ?? {})) {
      const d = v.shape[Number(at)];
      if (typeof d === 'number' && d !== size) problems.push(`${where}: ${kind} ${r.name} has ${d} at dim ${at}, expected ${size}`);
    }
  };

  for (const r of rule.inputs) {
    const v = inputs.find((i) => i.name === r.name);
    if (v) checkValue('input', r, v);
    else if (!r.optional) problems.push(`${where}: missing input ${r.name} (inputs are ${inputs.map(describe).join(', ') || 'none'})`);
  }
  for (const v of inputs) {
    if (!rule.inputs.some((r) => r.name === v.name)) {
      const hint = v.name === 'text_embeds' || v.name === 'time_ids' ? ' (an SDXL export; only SD 1.x/2.x layouts are supported)' : '';
      problems.push(`${where}: unexpected input ${describe(v)}${hint}`);
    }
  }
  const present = rule.outputs.filter((r) => outputs.some((o) => o.name === r.name));
  if (rule.anyOutput ? present.length === 0 : present.length < rule.outputs.length) {
    const wanted = rule.outputs.filter((r) => !present.includes(r)).map((r) => r.name);
    problems.push(`${where}: missing output ${wanted.join(rule.anyOutput ? ' or ' : ', ')} (outputs are ${outputs.map(describe).join(', ') || 'none'})`);
  }
  for (const r of present) checkValue('output', r, outputs.find((o) => o.name === r.name)!);
  return problems;
}
