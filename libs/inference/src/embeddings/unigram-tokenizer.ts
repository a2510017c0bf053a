/**
 * A SentencePiece Unigram tokenizer read from a Hugging Face tokenizer.json, as the multilingual
 * sentence-embedding models ship it (multilingual-E5, BGE-M3, paraphrase-multilingual-MiniLM: the
 * XLM-RoBERTa vocabulary). The pipeline is the file's own: normalizer, then Metaspace (spaces
 * become "▁", words split before each), then the most probable segmentation of each word under
 * the piece scores (Viterbi), unknown characters fused into one unknown token, then the
 * post-processor's template (<s> … </s>).
 * SentencePiece's "Precompiled" normalizer is the file's own compiled map (see
 * PrecompiledCharsmap), not Unicode NFKC, which it differs from on about 190 code points that
 * matter in prompts: a newline or tab becomes a space (NFKC keeps it, and XLM-R has no piece for
 * it), zero-width spaces become spaces, control characters go, a full-width ～ stays.
 */

import { PrecompiledCharsmap } from './precompiled-charsmap';

interface Piece {
  id: number;
  score: number;
}

type Json = Record<string, unknown>;

/** HF tokenizers' penalty below the lowest piece score for an unknown character. */
const UNK_PENALTY = 10;

export class UnigramTokenizer {
  private readonly pieces = new Map<string, Piece>();
  /** Longest piece, in code points: no candidate is longer. */
  private readonly maxPieceLength: number;
  private readonly unkScore: number;
  private readonly normalize: (text: string) => string;
  private readonly prefixScheme: 'always' | 'first' | 'never';
  private readonly replacement: string;
  private readonly before: number[];
  private readonly after: number[];
  readonly unkId: number;
  readonly padId: number;

  private constructor(json: Json, readonly maxLength: number) {
    const model = json.model as Json;
    const vocab = model.vocab as [string, number][];
    if (!Array.isArray(vocab) || vocab.length === 0) throw new Error('tokenizer.json: the Unigram model has no vocab');
    let maxLen = 1;
    let minScore = Infinity;
    vocab.forEach(([piece, score], id) => {
      if (typeof piece !== 'string' || typeof score !== 'number') throw new Error(`tokenizer.json: vocab entry ${id} is not [piece, score]`);
      if (!this.pieces.has(piece)) this.pieces.set(piece, { id, score });
      maxLen = Math.max(maxLen, [...piece].length);
      minScore = Math.min(minScore, score);
    });
    this.maxPieceLength = maxLen;
    this.unkScore = minScore - UNK_PENALTY;
    if (typeof model.unk_id !== 'number') throw new Error('tokenizer.json: the Unigram model has no unk_id');
    this.unkId = model.unk_id;
    if (model.byte_fallback === true) throw new Error('tokenizer.json: Unigram with byte_fallback is not supported');
    this.normalize = normalizer(json.normalizer as Json | null);
    const meta = metaspace(json.pre_tokenizer as Json | null);
    this.prefixScheme = meta.prefix;
    this.replacement = meta.replacement;
    [this.before, this.after] = template(json.post_processor as Json | null, this.pieces);
    const padding = json.padding as Json | null;
    this.padId = typeof padding?.pad_id === 'number' ? padding.pad_id : (this.pieces.get('<pad>')?.id ?? 0);
  }

  /** `json`: a parsed tokenizer.json whose model is Unigram. */
  static fromJson(json: Json, maxLength = 512): UnigramTokenizer {
    if ((json.model as Json | undefined)?.type !== 'Unigram') throw new Error('tokenizer.json: not a Unigram model');
    return new UnigramTokenizer(json, maxLength);
  }

  encode(text: string): { ids: number[] } {
    const ids: number[] = [];
    const room = this.maxLength - this.before.length - this.after.length;
    for (const word of this.words(this.normalize(text))) {
      for (const id of this.segment(word)) {
        if (ids.length >= room) break;
        ids.push(id);
      }
    }
    return { ids: [...this.before, ...ids, ...this.after] };
  }

  /** Metaspace: spaces become the replacement character, the first (or every) word gets one in front, words split before each. */
  words(text: string): string[] {
    if (!text) return [];
    const r = this.replacement;
    let s = text.replaceAll(' ', r);
    if (this.prefixScheme !== 'never' && !s.startsWith(r)) s = r + s;
    const out: string[] = [];
    let word = '';
    for (const ch of s) {
      if (ch === r && word) {
        out.push(word);
        word = '';
      }
      word += ch;
    }
    if (word) out.push(word);
    return out;
  }

  /** The segmentation with the highest total score (Viterbi over code points); unknown runs fuse into one unk. */
  segment(word: string): number[] {
    const chars = [...word];
    const n = chars.length;
    const best = new Float64Array(n + 1).fill(-Infinity);
    const from = new Int32Array(n + 1);
    const pieceAt = new Int32Array(n + 1);
    best[0] = 0;
    for (let start = 0; start < n; start++) {
      if (best[start] === -Infinity) continue;
      let piece = '';
      let matched = false;
      for (let end = start + 1; end <= Math.min(n, start + this.maxPieceLength); end++) {
        piece += chars[end - 1];
        const p = this.pieces.get(piece);
        if (!p) continue;
        if (end === start + 1) matched = true;
        const score = best[start]! + p.score;
        if (score > best[end]!) {
          best[end] = score;
          from[end] = start;
          pieceAt[end] = p.id;
        }
      }
      // A character no piece starts with: an unknown token of its own.
      if (!matched) {
        const score = best[start]! + this.unkScore;
        if (score > best[start + 1]!) {
          best[start + 1] = score;
          from[start + 1] = start;
          pieceAt[start + 1] = this.unkId;
        }
      }
    }
    const ids: number[] = [];
    for (let at = n; at > 0; at = from[at]!) ids.push(pieceAt[at]!);
    ids.reverse();
    return ids.filter((id, i) => !(id === this.unkId && ids[i - 1] === this.unkId));
  }
}

/** The normalizers these models use; anything else is refused by name rather than ignored. */
function normalizer(spec: Json | null | undefined): (text: string) => string {
  if (!spec) return (t) => t;
  switch (spec.type) {
    case 'Sequence': {
      const steps = (spec.normalizers as Json[]).map(normalizer);
      return (t) => steps.reduce((s, f) => f(s), t);
    }
    case 'Precompiled': {
      if (typeof spec.precompiled_charsmap !== 'string' || spec.precompiled_charsmap === '') throw new Error('tokenizer.json: a Precompiled normalizer without its precompiled_charsmap');
      let charsmap: PrecompiledCharsmap;
      try {
        charsmap = PrecompiledCharsmap.fromBase64(spec.precompiled_charsmap);
      } catch (err) {
        throw new Error(`tokenizer.json: ${(err as Error).message}`);
      }
      return (t) => charsmap.normalize(t);
    }
    case 'NFKC':
      return (t) => t.normalize('NFKC');
    case 'NFC':
      return (t) => t.normalize('NFC');
    case 'NFKD':
      return (t) => t.normalize('NFKD');
    case 'NFD':
      return (t) => t.normalize('NFD');
    case 'Lowercase':
      return (t) => t.toLowerCase();
    case 'Strip': {
      const [left, right] = [spec.left !== false, spec.right !== false];
      return (t) => {
        const s = left ? t.trimStart() : t;
        return right ? s.trimEnd() : s;
      };
    }
    case 'Replace': {
      const pattern = spec.pattern as { String?: string; Regex?: string };
      const content = String(spec.content ?? '');
      if (typeof pattern.String === 'string') {
        const from = pattern.String;
        return (t) => t.replaceAll(from, content);
      }
      if (typeof pattern.Regex === 'string') {
        const re = new RegExp(pattern.Regex, 'gu');
        return (t) => t.replace(re, content);
      }
      throw new Error('tokenizer.json: a Replace normalizer without a pattern');
    }
    default:
      throw new Error(`tokenizer.json: the ${String(spec.type)} normalizer is not supported`);
  }
}

/** The Metaspace settings, from the pre-tokenizer itself or from a Sequence holding it (with WhitespaceSplit beside it). */
function metaspace(spec: Json | null | undefined): { replacement: string; prefix: 'always' | 'first' | 'never' } {
  if (spec?.type === 'Sequence') {
    const parts = spec.pretokenizers as Json[];
    const unsupported = parts.find((p) => p.type !== 'Metaspace' && p.type !== 'WhitespaceSplit');
    if (unsupported) throw new Error(`tokenizer.json: the ${String(unsupported.type)} pre-tokenizer is not supported`);
    const meta = parts.find((p) => p.type === 'Metaspace');
    if (meta) return metaspace(meta);
  }
  if (spec?.type !== 'Metaspace') throw new Error(`tokenizer.json: a Unigram tokenizer needs the Metaspace pre-tokenizer (found ${spec ? String(spec.type) : 'none'})`);
  const replacement = typeof spec.replacement === 'string' ? spec.replacement : '▁';
  // Older files say add_prefix_space, newer ones prepend_scheme.
  const scheme = spec.prepend_scheme ?? (spec.add_prefix_space === false ? 'never' : 'always');
  if (scheme !== 'always' && scheme !== 'first' && scheme !== 'never') throw new Error(`tokenizer.json: Metaspace prepend_scheme ${String(scheme)} is not supported`);
  return { replacement, prefix: scheme };
}

/** The ids before and after a single sequence, from TemplateProcessing or RobertaProcessing (none: nothing added). */
function template(spec: Json | null | undefined, pieces: Map<string, Piece>): [number[], number[]] {
  if (!spec) return [[], []];
  if (spec.type === 'RobertaProcessing' || spec.type === 'BertProcessing') {
    const [, clsId] = spec.cls as [string, number];
    const [, sepId] = spec.sep as [string, number];
    return [[clsId], [sepId]];
  }
  if (spec.type === 'TemplateProcessing') {
    const specials = (spec.special_tokens ?? {}) as Record<string, { ids: number[] }>;
    const before: number[] = [];
    const after: number[] = [];
    let seen = false;
    for (const item of spec.single as Json[]) {
      if (item.Sequence) {
        seen = true;
        continue;
      }
      const token = (item.SpecialToken as { id: string } | undefined)?.id;
      const ids = token !== undefined ? (specials[token]?.ids ?? (pieces.has(token) ? [pieces.get(token)!.id] : undefined)) : undefined;
      if (!ids) throw new Error(`tokenizer.json: the template names ${String(token)}, which has no id`);
      (seen ? after : before).push(...ids);
    }
    return [before, after];
  }
  throw new Error(`tokenizer.json: the ${String(spec.type)} post-processor is not supported`);
}
