/**
 * Word boundaries in the original text, for word rules that start or end with a letter or digit
 * of a script written with spaces between words: `ass` must not fire inside `class`, nor `drug`
 * inside `drugstore`. Chinese (and other scripts written without spaces) match anywhere.
 *
 * Spaced-out spellings: when a match is spelled letter by letter (`d r u g`), the letters around
 * it may belong to the same spaced-out word. So when the match has separators inside and its
 * first (last) letter stands alone, a neighbouring letter that also stands alone between
 * separators counts as part of that word: `c l a s s` never trips `ass`, while in
 * `buy d r u g now` the neighbours `buy` and `now` are words of their own and `drug` matches,
 * and in `a drug-dealer` the match does not begin with a lone letter, so the article is no
 * obstacle. The price: a one-letter word right before a letter-by-letter spelling
 * (`a d r u g`) hides it.
 *
 * Invisible characters (zero-width spaces and joiners, combining marks) never make a boundary:
 * `cl\u200Bass` still reads as `class`.
 */
import { normaliseCodePoint } from './normalise';

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const WRITTEN_WITHOUT_SPACES = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const INVISIBLE = /[\p{Cf}\p{Mn}\p{Me}\p{Default_Ignorable_Code_Point}]/u;

/** A letter or digit of a script that separates words with spaces. */
export function isWordChar(cp: number): boolean {
  const char = String.fromCodePoint(cp);
  return LETTER_OR_DIGIT.test(char) && !WRITTEN_WITHOUT_SPACES.test(char);
}

function isInvisible(cp: number): boolean {
  return INVISIBLE.test(String.fromCodePoint(cp));
}

function isSeparator(cp: number): boolean {
  return normaliseCodePoint(cp) === '';
}

/** Reading backwards (`dir` -1) or forwards (1) from a position: the code point there and where it begins. */
interface Cursor {
  cp: number;
  at: number;
}

function step(text: string, at: number, dir: -1 | 1): Cursor | null {
  if (dir < 0) {
    if (at <= 0) return null;
    const low = text.charCodeAt(at - 1);
    const start = at >= 2 && low >= 0xdc00 && low <= 0xdfff && text.charCodeAt(at - 2) >= 0xd800 && text.charCodeAt(at - 2) <= 0xdbff ? at - 2 : at - 1;
    return { cp: text.codePointAt(start)!, at: start };
  }
  if (at >= text.length) return null;
  const cp = text.codePointAt(at)!;
  return { cp, at: at + (cp > 0xffff ? 2 : 1) };
}

/** The first code point from `at` in direction `dir` that `skip` does not pass over. */
function nextVisible(text: string, at: number, dir: -1 | 1, skip: (cp: number) => boolean): Cursor | null {
  for (let c = step(text, at, dir); c; c = step(text, c.at, dir)) if (!skip(c.cp)) return c;
  return null;
}

/**
 * Whether a match may begin (`dir` -1, `at` = its start) or end (`dir` 1, `at` = its end) at
 * `at`. `spaced`: the match has separators inside.
 */
export function isWordBoundary(text: string, at: number, dir: -1 | 1, spaced: boolean): boolean {
  const neighbour = nextVisible(text, at, dir, isInvisible);
  if (!neighbour) return true;
  if (isWordChar(neighbour.cp)) return false;
  const inward = (-dir) as -1 | 1;
  if (!spaced || !isLoneLetter(text, nextVisible(text, at, inward, isInvisible), inward)) return true;
  return !isLoneLetter(text, nextVisible(text, at, dir, isSeparator), dir);
}

/** Whether `letter` is a letter with no other letter right after it, reading in `dir`. */
function isLoneLetter(text: string, letter: Cursor | null, dir: -1 | 1): boolean {
  if (!letter || !isWordChar(letter.cp)) return false;
  const beyond = nextVisible(text, letter.at, dir, isInvisible);
  return !beyond || !isWordChar(beyond.cp);
}
