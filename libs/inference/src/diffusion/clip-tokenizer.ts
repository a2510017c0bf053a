import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const CLIP_MAX_LENGTH = 77;
export const CLIP_BOS_TOKEN = '<|startoftext|>';
export const CLIP_EOS_TOKEN = '<|endoftext|>';
const END_OF_WORD = '</w>';

/**
 * CLIP's pre-tokenisation, as the fast tokenizer does it: contractions, letter runs, one digit
 * at a time, punctuation runs. Letters include CJK, so a run of Chinese is one "word" that BPE
 * then splits over its UTF-8 bytes.
 */
const WORD_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/gu;

/**
 * GPT-2/CLIP's byte→unicode table: printable Latin-1 bytes stand for themselves, the other 68
 * bytes are moved to U+0100… in byte order, so every byte has a visible, non-space symbol.
 */
export function bytesToUnicode(): string[] {
  const table: string[] = new Array<string>(256);
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let shifted = 0;
  for (let b = 0; b < 256; b++) table[b] = String.fromCharCode(printable(b) ? b : 256 + shifted++);
  return table;
}

const BYTE_SYMBOLS = bytesToUnicode();

export interface ClipTokenizerFiles {
  /** token string → id (vocab.json). */
  vocab: Record<string, number>;
  /** merges.txt content; a leading `#version` line is skipped. */
  merges: string;
  /** tokenizer_config.json / special_tokens_map.json, merged; only the special tokens are read. */
  config?: Record<string, unknown>;
}

export interface ClipEncoding {
  /** Exactly maxLength ids: bos, tokens, eos, then padding. */
  ids: number[];
  /** How many ids are real (bos + tokens + eos), before padding. */
  length: number;
  /** True when the prompt was longer than fits and its tail was dropped. */
  truncated: boolean;
}

/**
 * CLIP's byte-level BPE tokenizer (the one Stable Diffusion's text encoder was trained with),
 * read from a Hugging Face `tokenizer/` folder.
 */
export class ClipTokenizer {
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  readonly unkId: number;
  private readonly vocab: Map<string, number>;
  private readonly ranks: Map<string, number>;
  // Prompts repeat the same words (style suffixes): caching keeps BPE off the hot path.
  private readonly cache = new Map<string, number[]>();

  constructor(files: ClipTokenizerFiles, readonly maxLength = CLIP_MAX_LENGTH) {
    if (maxLength < 2) throw new RangeError('maxLength must leave room for bos and eos');
    this.vocab = new Map(Object.entries(files.vocab));
    this.ranks = new Map();
    let rank = 0;
    for (const raw of files.merges.split(/\r?\n/)) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#version')) continue;
      const parts = line.split(' ');
      if (parts.length !== 2) throw new Error(`merges.txt: malformed line ${JSON.stringify(raw)}`);
      this.ranks.set(`${parts[0]} ${parts[1]}`, rank++);
    }
    const config = files.config ?? {};
    this.bosId = this.specialId(config.bos_token, CLIP_BOS_TOKEN, 'bos');
    this.eosId = this.specialId(config.eos_token, CLIP_EOS_TOKEN, 'eos');
    this.unkId = this.specialId(config.unk_token, CLIP_EOS_TOKEN, 'unk');
    // SD 1.x pads with eos; SD 2.x and SDXL's second tokenizer pad with "!" (id 0).
    this.padId = this.specialId(config.pad_token, CLIP_EOS_TOKEN, 'pad');
  }

  /** Reads vocab.json, merges.txt and (when present) tokenizer_config.json and special_tokens_map.json. */
  static async fromDirectory(dir: string, maxLength?: number): Promise<ClipTokenizer> {
    const readJson = async (name: string, required: boolean): Promise<Record<string, unknown> | undefined> => {
      try {
        return JSON.parse(await readFile(join(dir, name), 'utf8')) as Record<string, unknown>;
      } catch (err) {
        if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new Error(`tokenizer: cannot read ${join(dir, name)}: ${(err as Error).message}`);
      }
    };
    const vocab = (await readJson('vocab.json', true)) as Record<string, number>;
    const merges = await readFile(join(dir, 'merges.txt'), 'utf8');
    const config = { ...(await readJson('special_tokens_map.json', false)), ...(await readJson('tokenizer_config.json', false)) };
    const configured = typeof config.model_max_length === 'number' && config.model_max_length <= 4096 ? config.model_max_length : undefined;
    return new ClipTokenizer({ vocab, merges, config }, maxLength ?? configured ?? CLIP_MAX_LENGTH);
  }

  private specialId(value: unknown, fallback: string, role: string): number {
    // Hugging Face writes special tokens either as strings or as AddedToken objects.
    const token = typeof value === 'string' ? value : typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string' ? (value as { content: string }).content : fallback;
    const id = this.vocab.get(token);
    if (id === undefined) throw new Error(`tokenizer: ${role} token ${JSON.stringify(token)} is not in vocab.json`);
    return id;
  }

  /** Whitespace runs → one space, trimmed, NFC, lower case: what the fast CLIP tokenizer does. */
  static normalize(text: string): string {
    return text.normalize('NFC').replace(/\s+/gu, ' ').trim().toLowerCase();
  }

  /** The BPE token ids of a text, without bos/eos/padding or truncation. */
  tokenize(text: string): number[] {
    const ids: number[] = [];
    for (const match of ClipTokenizer.normalize(text).matchAll(WORD_PATTERN)) {
      const word = match[0];
      let cached = this.cache.get(word);
      if (!cached) {
        cached = this.bpe(word).map((symbol) => this.vocab.get(symbol) ?? this.unkId);
        if (this.cache.size < 10_000) this.cache.set(word, cached);
      }
      for (const id of cached) ids.push(id);
    }
    return ids;
  }

  /** bos + tokens (truncated to fit) + eos, padded to maxLength with the pad token. */
  encode(text: string): ClipEncoding {
    const tokens = this.tokenize(text);
    const room = this.maxLength - 2;
    const kept = tokens.length > room ? tokens.slice(0, room) : tokens;
    const ids = [this.bosId, ...kept, this.eosId];
    const length = ids.length;
    while (ids.length < this.maxLength) ids.push(this.padId);
    return { ids, length, truncated: tokens.length > room };
  }

  /** The BPE symbols of one pre-tokenised word, the last one carrying `</w>`. */
  bpe(word: string): string[] {
    const bytes = Buffer.from(word, 'utf8');
    const symbols: string[] = [];
    for (const b of bytes) symbols.push(BYTE_SYMBOLS[b]!);
    if (symbols.length === 0) return [];
    symbols[symbols.length - 1] += END_OF_WORD;
    // Repeatedly merge the adjacent pair with the lowest rank, all its occurrences left to right.
    for (;;) {
      let best = Infinity;
      let bestPair = '';
      for (let i = 0; i < symbols.length - 1; i++) {
        const rank = this.ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (rank !== undefined && rank < best) {
          best = rank;
          bestPair = `${symbols[i]} ${symbols[i + 1]}`;
        }
      }
      if (best === Infinity) return symbols;
      for (let i = 0; i < symbols.length - 1; i++) {
        if (`${symbols[i]} ${symbols[i + 1]}` === bestPair) symbols.splice(i, 2, symbols[i]! + symbols[i + 1]!);
      }
    }
  }
}
