/**
 * Finds word rules in a text: one Aho–Corasick automaton over the normalised view of the text
 * (see normalise.ts), computed on the fly while scanning, each symbol remembering the original
 * offset of its cluster so a hit maps back to an exact span. Separators never reach the automaton,
 * which is how `d.r.u.g` reads as `drug`.
 */
import { FILTER_LIMITS } from '@reelcraft/shared';
import { type Automaton, buildAutomaton, next, ROOT } from './aho-corasick';
import { bmpCombiningMarks, clusterEnd, isCombiningMark, normaliseClusterAt, normaliseCodePoint, normaliseForMatching } from './normalise';
import { isWordBoundary, isWordChar } from './word-boundary';

/** Why a word rule cannot be used (in words for the admin), or null when it can. */
export function wordRuleProblem(pattern: string): string | null {
  if (pattern.trim() === '') return 'the word is empty';
  if (pattern.length > FILTER_LIMITS.pattern.max) return `the word is longer than ${FILTER_LIMITS.pattern.max} characters`;
  if (normaliseForMatching(pattern) === '') return 'nothing is left of the word once spaces, punctuation and symbols are set aside';
  return null;
}

export interface WordHit {
  /** Index into the patterns the matcher was built from. */
  pattern: number;
  start: number;
  end: number;
}

// What a UTF-16 code unit reads as, in the per-matcher table; ≥ 1 is the automaton's symbol.
// The order matters: the fast path takes a unit whose value is ≥ DROPPED when the next unit's
// value is ≥ SEVERAL (a unit that cannot belong to the cluster before it).
const UNSEEN = -5;
/** A combining mark: it belongs to the cluster before it. */
const MARK = -4;
/** Half of a surrogate pair (the pair may be an astral combining mark). */
const SURROGATE = -3;
/** Folds to more than one code point (ﬁ → fi). */
const SEVERAL = -2;
/** Folds to nothing (a separator). */
const DROPPED = -1;
/** Folds to one code point that no pattern contains. */
const OUTSIDE = 0;

export class WordMatcher {
  private readonly automaton: Automaton;
  /** Normalised code point → symbol. */
  private readonly alphabet = new Map<number, number>();
  /** Per UTF-16 code unit, what it reads as (filled lazily, once per matcher). */
  private readonly unitSymbols = new Int32Array(0x10000).fill(UNSEEN);
  /** Per pattern: must start / end at a word boundary (it starts / ends with a letter or digit of a spaced script). */
  private readonly boundedStart: Uint8Array;
  private readonly boundedEnd: Uint8Array;
  /** The original offset of the last symbols read, for the start of a hit; longer than the longest pattern. */
  private readonly recentStarts: Int32Array;

  /** `patterns` must each have something left once normalised (see wordRuleProblem). */
  constructor(patterns: readonly string[]) {
    const folded = patterns.map((p) => Array.from(normaliseForMatching(p), (c) => c.codePointAt(0)!));
    const counts = new Map<number, number>();
    for (const word of folded) for (const cp of word) counts.set(cp, (counts.get(cp) ?? 0) + 1);
    // Frequent symbols get small numbers, which packs the double array tighter.
    [...counts.entries()].sort((a, b) => b[1] - a[1]).forEach(([cp], k) => this.alphabet.set(cp, k + 1));
    this.automaton = buildAutomaton(
      folded.map((word) => word.map((cp) => this.alphabet.get(cp)!)),
      this.alphabet.size,
    );
    this.boundedStart = Uint8Array.from(folded, (word) => (isWordChar(word[0]) ? 1 : 0));
    this.boundedEnd = Uint8Array.from(folded, (word) => (isWordChar(word[word.length - 1]) ? 1 : 0));
    let ring = 2;
    while (ring <= this.automaton.longest) ring *= 2;
    this.recentStarts = new Int32Array(ring);
  }

  /** Every hit of a pattern that `wanted` accepts, in the order their ends are read. */
  scan(text: string, wanted: (pattern: number) => boolean): WordHit[] {
    const { base, check, fail, output } = this.automaton;
    const unitSymbols = this.unitSymbols;
    const recent = this.recentStarts;
    const ringMask = recent.length - 1;
    const hits: WordHit[] = [];
    const n = text.length;
    let state = ROOT;
    let read = 0;
    // `symbol` is what unit i reads as; the next unit's value is read one step ahead, since a
    // combining mark after a letter makes the two one cluster.
    let symbol = n > 0 ? this.symbolOfUnit(text.charCodeAt(0)) : OUTSIDE;
    for (let i = 0; i < n; ) {
      const after = i + 1;
      let following = OUTSIDE;
      if (after < n) {
        following = unitSymbols[text.charCodeAt(after)];
        if (following === UNSEEN) following = this.learn(text.charCodeAt(after));
      }
      if (following >= SEVERAL) {
        if (symbol > OUTSIDE) {
          // The common case, inlined: one code unit, one symbol, one transition.
          for (;;) {
            const t = base[state] + symbol;
            if (check[t] === state) {
              state = t;
              break;
            }
            if (state === ROOT) break;
            state = fail[state];
          }
          recent[read & ringMask] = i;
          if (output[state] !== -1) this.collect(text, state, read, after, false, wanted, hits);
          read++;
          i = after;
          symbol = following;
          continue;
        }
        if (symbol === OUTSIDE || symbol === DROPPED) {
          if (symbol === OUTSIDE) state = ROOT;
          i = after;
          symbol = following;
          continue;
        }
      }
      // A cluster with marks, an astral code point, or a fold to several code points.
      const end = clusterEnd(text, i);
      const folded = normaliseClusterAt(text, i, end);
      for (let k = 0; k < folded.length; ) {
        const cp = folded.codePointAt(k)!;
        k += cp > 0xffff ? 2 : 1;
        state = next(this.automaton, state, this.alphabet.get(cp) ?? OUTSIDE);
        recent[read & ringMask] = i;
        if (output[state] !== -1) this.collect(text, state, read, end, k < folded.length, wanted, hits);
        read++;
      }
      i = end;
      if (i < n) symbol = this.symbolOfUnit(text.charCodeAt(i));
    }
    return hits;
  }

  private symbolOfUnit(code: number): number {
    const symbol = this.unitSymbols[code];
    return symbol === UNSEEN ? this.learn(code) : symbol;
  }

  private learn(code: number): number {
    let symbol: number;
    if (code >= 0xd800 && code <= 0xdfff) symbol = SURROGATE;
    else if (bmpCombiningMarks[code] === 1) symbol = MARK;
    else {
      const folded = normaliseCodePoint(code);
      if (folded === '') symbol = DROPPED;
      else if (folded.length === 1) symbol = this.alphabet.get(folded.charCodeAt(0)) ?? OUTSIDE;
      else symbol = SEVERAL;
    }
    this.unitSymbols[code] = symbol;
    return symbol;
  }

  /**
   * The patterns that end at `state` with the symbol just read (number `last`), kept when they
   * sit on word boundaries where they must. `midCluster`: more symbols of the same cluster follow
   * (`ﬁ` reads as `f`, `i`), so a bounded pattern cannot end here.
   */
  private collect(text: string, state: number, last: number, end: number, midCluster: boolean, wanted: (pattern: number) => boolean, hits: WordHit[]): void {
    const { output, nextOutput, firstPattern, samePlace, lengths } = this.automaton;
    const recent = this.recentStarts;
    const ringMask = recent.length - 1;
    for (let s = output[state]; s !== -1; s = nextOutput[s]) {
      for (let p = firstPattern[s]; p !== -1; p = samePlace[p]) {
        if (!wanted(p)) continue;
        const first = last - lengths[p] + 1;
        const start = recent[first & ringMask];
        if (this.boundedStart[p] || this.boundedEnd[p]) {
          const spaced = hasSeparatorInside(text, start, end);
          const startsMidCluster = first > 0 && recent[(first - 1) & ringMask] === start;
          if (this.boundedStart[p] && (startsMidCluster || !isWordBoundary(text, start, -1, spaced))) continue;
          if (this.boundedEnd[p] && (midCluster || !isWordBoundary(text, end, 1, spaced))) continue;
        }
        hits.push({ pattern: p, start, end });
      }
    }
  }
}

/** Whether the span holds a character that folds to nothing (a combining mark belongs to its letter). */
function hasSeparatorInside(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; ) {
    const cp = text.codePointAt(i)!;
    if (normaliseCodePoint(cp) === '' && !isCombiningMark(cp)) return true;
    i += cp > 0xffff ? 2 : 1;
  }
  return false;
}
