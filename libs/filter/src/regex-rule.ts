/**
 * Regular-expression rules: matched case-insensitively (`giu`) on the original text. A pattern
 * is only ever compiled into a filter after `regexRuleProblem` found nothing wrong with it, since
 * one slow pattern would stall every request that is checked.
 */
import { FILTER_LIMITS } from '@reelcraft/shared';
import safeRegex from 'safe-regex2';
import { backtrackingProblem } from './regex-backtracking';
import { parseRegex, type RegexNode } from './regex-syntax';

export const REGEX_FLAGS = 'giu';

const BACKTRACKING_REASONS = {
  exponential:
    'parts of the pattern inside a repetition can match the same text in more than one way (as in (a|a)* or (a|aa)*), which can take exponential time on some texts; make the alternatives exclusive',
  polynomial:
    'two repeated parts can match the same characters one after the other (as in \\d+\\d+ or \\s*:?\\s*), which takes very long on long texts; merge them into one repetition',
  'too-complex': 'the pattern is too complex to prove that it always runs fast; simplify it',
} as const;

/** Why a regex rule cannot be used, in words for the admin who wrote it, or null when it can. */
export function regexRuleProblem(pattern: string): string | null {
  if (pattern.trim() === '') return 'the pattern is empty';
  if (pattern.length > FILTER_LIMITS.pattern.max) return `the pattern is longer than ${FILTER_LIMITS.pattern.max} characters`;
  let compiled: RegExp;
  try {
    compiled = new RegExp(pattern, REGEX_FLAGS);
  } catch (err) {
    return `the pattern is not a valid regular expression (${(err as Error).message.replace(/^Invalid regular expression: /, '')})`;
  }
  let tree: RegexNode;
  try {
    tree = parseRegex(pattern);
  } catch {
    return 'the pattern could not be read to check that it is safe';
  }
  if (contains(tree, 'backreference')) return 'back-references (\\1, \\k<name>) are not allowed: they can make matching take exponential time';
  if (contains(tree, 'lookbehind')) return 'lookbehind ((?<=…) and (?<!…)) is not allowed';
  if (canMatchEmpty(tree) || compiled.test('')) return 'the pattern can match empty text (as a*, x? or \\b do), so it would match everywhere; make at least one character required';
  if (!safeRegex(pattern)) {
    if (safeRegex(pattern, { limit: Infinity })) return 'the pattern has more than 25 repeated parts (*, +, ?, {n,m}); split it into several rules';
    return 'the pattern nests repetitions (as in (a+)+), which can take exponential time on some texts; an optional part counts too, so write (?:http://|https://)? rather than (?:https?://)?';
  }
  const problem = backtrackingProblem(tree, pattern);
  return problem ? BACKTRACKING_REASONS[problem] : null;
}

/** A vetted pattern, ready to run. */
export function compileRegexRule(pattern: string): RegExp {
  return new RegExp(pattern, REGEX_FLAGS);
}

/** Every match of a compiled rule in `text`, as `[start, end)` offsets. */
export function regexSpans(regex: RegExp, text: string): [number, number][] {
  const spans: [number, number][] = [];
  regex.lastIndex = 0;
  for (let m = regex.exec(text); m; m = regex.exec(text)) {
    // Cannot happen for a vetted pattern; a guard against looping on an empty match all the same.
    if (m[0].length === 0) regex.lastIndex++;
    else spans.push([m.index, m.index + m[0].length]);
  }
  return spans;
}

function contains(node: RegexNode, type: RegexNode['type']): boolean {
  if (node.type === type) return true;
  switch (node.type) {
    case 'sequence':
      return node.items.some((n) => contains(n, type));
    case 'alternation':
      return node.options.some((n) => contains(n, type));
    case 'repeat':
      return contains(node.body, type);
    case 'assertion':
      return node.lookahead !== undefined && contains(node.lookahead, type);
    default:
      return false;
  }
}

/** Whether some match could be empty: zero-width parts count as empty (an anchor alone still matches nothing). */
function canMatchEmpty(node: RegexNode): boolean {
  switch (node.type) {
    case 'char':
      return false;
    case 'sequence':
      return node.items.every(canMatchEmpty);
    case 'alternation':
      return node.options.some(canMatchEmpty);
    case 'repeat':
      return node.min === 0 || canMatchEmpty(node.body);
    default:
      return true;
  }
}
