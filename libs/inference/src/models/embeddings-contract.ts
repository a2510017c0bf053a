import type { TensorInfo } from '../diffusion/onnx-session';

/**
 * What a sentence-embedding export (Optimum's sentence-transformers / feature-extraction ONNX,
 * BERT-, MiniLM-, BGE-, E5-like) must offer to be run: token ids and their attention mask in,
 * rank 2, int64 or int32 (token_type_ids may be taken too, we feed zeros), and per-token states
 * (last_hidden_state or token_embeddings, rank 3, to mean-pool) or a pooled sentence_embedding
 * (rank 2) out, as float32 or float16. Returns every mismatch, each naming the file and the value.
 */
export function checkEmbeddingsModel(file: string, inputs: readonly TensorInfo[], outputs: readonly TensorInfo[]): string[] {
  const problems: string[] = [];
  const list = (values: readonly TensorInfo[]) => values.map((v) => `${v.name} ${v.type}[${v.shape.join(', ')}]`).join(', ') || 'none';
  const byName = new Map(inputs.map((i) => [i.name, i]));
  for (const name of ['input_ids', 'attention_mask']) {
    const input = byName.get(name);
    if (!input) problems.push(`${file}: missing input ${name} (inputs are ${list(inputs)})`);
    else if (!['int64', 'int32'].includes(input.type) || input.shape.length !== 2) problems.push(`${file}: input ${name} is ${input.type}[${input.shape.join(', ')}], expected int64 or int32 [batch, sequence]`);
  }
  const types = byName.get('token_type_ids');
  if (types && (!['int64', 'int32'].includes(types.type) || types.shape.length !== 2)) problems.push(`${file}: input token_type_ids is ${types.type}[${types.shape.join(', ')}], expected int64 or int32 [batch, sequence]`);
  for (const input of inputs) {
    if (!['input_ids', 'attention_mask', 'token_type_ids'].includes(input.name)) problems.push(`${file}: unexpected input ${input.name} ${input.type}[${input.shape.join(', ')}] (only input_ids, attention_mask and token_type_ids can be fed)`);
  }
  const usable = outputs.filter(
    (o) => ['float32', 'float16'].includes(o.type) && (((o.name === 'last_hidden_state' || o.name === 'token_embeddings') && o.shape.length === 3) || (o.name === 'sentence_embedding' && o.shape.length === 2)),
  );
  if (usable.length === 0) problems.push(`${file}: no usable output: expected last_hidden_state or token_embeddings float[batch, sequence, dim], or sentence_embedding float[batch, dim] (outputs are ${list(outputs)})`);
  return problems;
}
