import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonIfExists } from '../util/read-json';

/** The special tokens every BERT-family vocab.txt has. */
const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'] as const;

export interface WordPieceEncoding {
  /** [CLS] tokens… [SEP], at most maxLength ids. */
  ids: number[];
}

/**
 * BERT's tokenizer, as the sentence-embedding exports (MiniLM, BGE, E5, text2vec…) ship it in
 * vocab.txt: the basic pass (optional lower-casing and accent stripping, split on white space and
 * punctuation, each CJK character a token of its own), then WordPiece (greedy longest match with
 * "##" continuations, [UNK] for a word it cannot cover), wrapped in [CLS] … [SEP].
 */
export class WordPieceTokenizer {
  readonly padId: number;
  readonly unkId: number;
  readonly clsId: number;
  readonly sepId: number;

  constructor(
    private readonly vocab: ReadonlyMap<string, number>,
    readonly lowerCase = true,
    readonly maxLength = 512,
  ) {
    const id = (t: string) => {
      const v = vocab.get(t);
      if (v === undefined) throw new Error(`the vocabulary has no ${t} token: not a BERT-style WordPiece vocab.txt`);
      return v;
    };
    [this.padId, this.unkId, this.clsId, this.sepId] = SPECIALS.map(id) as [number, number, number, number];
  }

  /** vocab.txt (one token per line, the line number its id) and tokenizer_config.json's do_lower_case / model_max_length. */
  static async fromDirectory(dir: string): Promise<WordPieceTokenizer> {
    let text: string;
    try {
      text = await readFile(join(dir, 'vocab.txt'), 'utf8');
    } catch {
      throw new Error(`${dir}: vocab.txt missing`);
    }
    const vocab = new Map<string, number>();
    text.split(/\r?\n/).forEach((token, i) => {
      if (token && !vocab.has(token)) vocab.set(token, i);
    });
    const config = await readJsonIfExists(join(dir, 'tokenizer_config.json'));
    return new WordPieceTokenizer(vocab, config?.do_lower_case !== false, modelMaxLength(config));
  }

  encode(text: string): WordPieceEncoding {
    const ids = [this.clsId];
    for (const word of this.basicTokens(text)) {
      for (const id of this.wordPieces(word)) {
        if (ids.length >= this.maxLength - 1) break;
        ids.push(id);
      }
    }
    ids.push(this.sepId);
    return { ids };
  }

  /** The basic pass: clean, optionally lower-case and strip accents, split off punctuation and CJK characters. */
  basicTokens(text: string): string[] {
    let s = text.replace(/[\p{Cc}\p{Cf}]/gu, (c) => (/\s/.test(c) ? ' ' : ''));
    if (this.lowerCase) s = s.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '');
    const out: string[] = [];
    let word = '';
    const flush = () => {
      if (word) out.push(word);
      word = '';
    };
    for (const ch of s) {
      if (/\s/u.test(ch)) flush();
      else if (isCjk(ch) || isPunctuation(ch)) {
        flush();
        out.push(ch);
      } else word += ch;
    }
    flush();
    return out;
  }

  private wordPieces(word: string): number[] {
    const chars = [...word];
    if (chars.length > 100) return [this.unkId];
    const ids: number[] = [];
    for (let start = 0; start < chars.length; ) {
      let end = chars.length;
      let found: number | undefined;
      while (start < end) {
        const piece = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
        found = this.vocab.get(piece);
        if (found !== undefined) break;
        end--;
      }
      if (found === undefined) return [this.unkId];
      ids.push(found);
      start = end;
    }
    return ids;
  }
}

/** tokenizer_config.json's model_max_length, capped at 512 (the position table of these models); 512 when absent. */
export function modelMaxLength(config: { model_max_length?: unknown } | undefined): number {
  const max = config?.model_max_length;
  return typeof max === 'number' && max > 2 ? Math.min(512, max) : 512;
}

/** The CJK blocks BERT puts spaces around (its _is_chinese_char). */
function isCjk(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** BERT's _is_punctuation: ASCII non-alphanumeric printables, and Unicode P*. */
function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return /\p{P}/u.test(ch);
}
