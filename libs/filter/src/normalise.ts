/**
 * The view of a text that word rules are matched against. The text is cut into clusters (one
 * code point plus the combining marks after it); each cluster becomes zero or more normalised
 * code points, and every one of those remembers its cluster's span in the original text, so a
 * match found in the normalised view maps back to exact UTF-16 offsets.
 *
 * A cluster is folded by NFKC (full-width → half-width, ligatures and compatibility forms),
 * lower-casing and traditional → simplified Chinese; separators (spaces, punctuation, symbols,
 * zero-width and other invisible characters, stray marks) fold to nothing, so `d.r.u.g`, `赌 博`
 * and `赌\u200B博` read as `drug` and `赌博`. Rules are normalised by the same function.
 */
import { toSimplified } from './simplified-chinese';

/** Whatever carries no letter of a word: these vanish from the normalised view. */
const DROPPED = /[\p{Z}\p{P}\p{S}\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Mn}\p{Me}\p{Default_Ignorable_Code_Point}]/u;
const HAN = /\p{Script=Han}/u;
const COMBINING_MARK = /\p{M}/u;

/** NFKC then per code point lower-casing, dropping and simplifying, so a cluster's marks compose first (e + ◌́ → é). */
export function normaliseCluster(cluster: string): string {
  let out = '';
  for (const char of cluster.normalize('NFKC')) {
    for (const lower of char.toLowerCase()) {
      if (DROPPED.test(lower)) continue;
      out += HAN.test(lower) ? toSimplified(lower) : lower;
    }
  }
  return out;
}

// Normalising is slow (NFKC, regexes, OpenCC); every code point is folded once per process.
const bmpCache: (string | undefined)[] = new Array(0x10000);
const astralCache = new Map<number, string>();
for (let cp = 0; cp < 0x80; cp++) {
  const char = String.fromCharCode(cp);
  bmpCache[cp] = /[a-z0-9]/i.test(char) ? char.toLowerCase() : '';
}

/** A lone code point's normalised form (the same as `normaliseCluster` of it), cached. */
export function normaliseCodePoint(cp: number): string {
  if (cp < 0x10000) return (bmpCache[cp] ??= normaliseCluster(String.fromCharCode(cp)));
  let out = astralCache.get(cp);
  if (out === undefined) astralCache.set(cp, (out = normaliseCluster(String.fromCodePoint(cp))));
  return out;
}

/** 1 where a BMP code unit is a combining mark, built once by one regex pass over the plane. */
export const bmpCombiningMarks: Uint8Array = (() => {
  const table = new Uint8Array(0x10000);
  let plane = '';
  for (let cp = 0; cp < 0x10000; cp++) plane += cp >= 0xd800 && cp <= 0xdfff ? ' ' : String.fromCharCode(cp);
  for (const m of plane.matchAll(/\p{M}+/gu)) table.fill(1, m.index, m.index + m[0].length);
  return table;
})();

export function isCombiningMark(cp: number): boolean {
  return cp < 0x10000 ? bmpCombiningMarks[cp] === 1 : COMBINING_MARK.test(String.fromCodePoint(cp));
}

/** Where the cluster that starts at `i` (a code point boundary) ends: after its code point and its marks. */
export function clusterEnd(text: string, i: number): number {
  let j = i + codePointLength(text, i);
  while (j < text.length) {
    const cp = text.codePointAt(j)!;
    if (!isCombiningMark(cp)) break;
    j += cp > 0xffff ? 2 : 1;
  }
  return j;
}

/** The normalised form of the cluster `text[i, j)`. */
export function normaliseClusterAt(text: string, i: number, j: number): string {
  const cp = text.codePointAt(i)!;
  return j - i === (cp > 0xffff ? 2 : 1) ? normaliseCodePoint(cp) : normaliseCluster(text.slice(i, j));
}

export function codePointLength(text: string, i: number): number {
  return text.codePointAt(i)! > 0xffff ? 2 : 1;
}

export interface NormalisedText {
  /** The normalised view. */
  text: string;
  /** Per code point of `text`: the original span `[starts[k], ends[k])` it comes from. */
  starts: number[];
  ends: number[];
}

/** The normalised view with its spans; the reference the fast matcher is tested against. */
export function normaliseWithSpans(text: string): NormalisedText {
  const out: NormalisedText = { text: '', starts: [], ends: [] };
  for (let i = 0; i < text.length; ) {
    const j = clusterEnd(text, i);
    for (const unit of normaliseClusterAt(text, i, j)) {
      out.text += unit;
      out.starts.push(i);
      out.ends.push(j);
    }
    i = j;
  }
  return out;
}

/** What a word rule or a text reads as once folded: `ＤＲＵＧ` → `drug`, `賭 博` → `赌博`. */
export function normaliseForMatching(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; ) {
    const j = clusterEnd(text, i);
    out += normaliseClusterAt(text, i, j);
    i = j;
  }
  return out;
}
