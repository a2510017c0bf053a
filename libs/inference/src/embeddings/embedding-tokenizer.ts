import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonIfExists } from '../util/read-json';
import { UnigramTokenizer } from './unigram-tokenizer';
import { modelMaxLength, WordPieceTokenizer } from './wordpiece-tokenizer';

/** What the sentence embedder needs of a tokenizer: ids with the model's special tokens around them, and the padding id. */
export interface EmbeddingTokenizer {
  readonly padId: number;
  encode(text: string): { ids: number[] };
}

type Json = Record<string, unknown>;

/**
 * The tokenizer of an embedding model folder: vocab.txt (BERT WordPiece) when there is one, else
 * tokenizer.json with a WordPiece model (BERT-family fast tokenizers) or a Unigram one (the
 * XLM-RoBERTa vocabulary of the multilingual models). Anything else is refused with its name.
 */
export async function loadEmbeddingTokenizer(dir: string): Promise<EmbeddingTokenizer> {
  if (await access(join(dir, 'vocab.txt')).then(() => true, () => false)) return WordPieceTokenizer.fromDirectory(dir);
  const max = modelMaxLength(await readJsonIfExists(join(dir, 'tokenizer_config.json')));
  const json = await readJsonIfExists(join(dir, 'tokenizer.json'));
  if (!json) throw new Error(`${dir}: no usable tokenizer (vocab.txt, or tokenizer.json with a WordPiece or Unigram model)`);
  const model = json.model as Json | undefined;
  if (model?.type === 'WordPiece' && model.vocab && typeof model.vocab === 'object') {
    const normalizer = json.normalizer as Json | null;
    // BertNormalizer lower-cases unless told not to; a file without one keeps the case.
    const lowerCase = normalizer?.type === 'BertNormalizer' && normalizer.lowercase !== false;
    return new WordPieceTokenizer(new Map(Object.entries(model.vocab as Record<string, number>)), lowerCase, max);
  }
  if (model?.type === 'Unigram') return UnigramTokenizer.fromJson(json, max);
  throw new Error(`${dir}: tokenizer.json has a ${String(model?.type)} model; only WordPiece and Unigram are supported`);
}
