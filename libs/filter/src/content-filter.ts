/**
 * The content filter: compiled once from the rules (rebuilt by making a new one when they
 * change, never per request), then asked about any number of texts.
 */
import { FILTER_STAGES, type FilterAction, type FilterMatch, type FilterRuleSpec, type FilterStage } from '@reelcraft/shared';
import { compileRegexRule, regexRuleProblem, regexSpans } from './regex-rule';
import { maskSpans, strongestAction } from './verdict';
import { WordMatcher, wordRuleProblem } from './word-matcher';

export interface FilterVerdict {
  matches: FilterMatch[];
  /** The strongest action among the matches, or `allow`. */
  action: FilterAction | 'allow';
  /** The text with every `mask` match replaced by ＊, one per character. */
  masked: string;
}

/** A rule the filter left out, and why (in words for the admin). */
export interface SkippedRule {
  rule_id: string;
  reason: string;
}

/** Why a rule cannot be used (in words for the admin), or null when it can. */
export function ruleProblem(rule: Pick<FilterRuleSpec, 'kind' | 'pattern'>): string | null {
  return rule.kind === 'regex' ? regexRuleProblem(rule.pattern) : wordRuleProblem(rule.pattern);
}

const ALL_STAGES = (1 << FILTER_STAGES.length) - 1;

function stageBit(stage: FilterStage): number {
  const k = FILTER_STAGES.indexOf(stage);
  // A misspelt stage would otherwise apply no rule at all, silently.
  if (k < 0) throw new Error(`unknown filter stage: ${stage}`);
  return 1 << k;
}

export class ContentFilter {
  /** Enabled rules that were left out because they have a problem. */
  readonly skipped: readonly SkippedRule[];
  /** The rules in use: enabled and without a problem. */
  readonly active: readonly FilterRuleSpec[];
  private readonly stageMasks: Int32Array;
  /** For the word matcher's pattern k, the index of its rule in `active`. */
  private readonly wordRule: number[] = [];
  private readonly words: WordMatcher | null;
  private readonly regexes: { rule: number; regex: RegExp }[] = [];

  constructor(rules: readonly FilterRuleSpec[]) {
    const skipped: SkippedRule[] = [];
    const active: FilterRuleSpec[] = [];
    for (const rule of rules) {
      if (!rule.enabled) continue;
      const problem = ruleProblem(rule);
      if (problem) skipped.push({ rule_id: rule.id, reason: problem });
      else active.push(rule);
    }
    this.skipped = skipped;
    this.active = active;
    this.stageMasks = Int32Array.from(active, (r) => (r.stages.length === 0 ? ALL_STAGES : r.stages.reduce((m, s) => m | stageBit(s), 0)));
    const wordPatterns: string[] = [];
    active.forEach((rule, k) => {
      if (rule.kind === 'regex') this.regexes.push({ rule: k, regex: compileRegexRule(rule.pattern) });
      else {
        this.wordRule.push(k);
        wordPatterns.push(rule.pattern);
      }
    });
    this.words = wordPatterns.length > 0 ? new WordMatcher(wordPatterns) : null;
  }

  /** Every match of a rule that applies at `stage` (all rules when no stage), by start, longer first. */
  check(text: string, stage?: FilterStage): FilterMatch[] {
    const bit = stage === undefined ? ALL_STAGES : stageBit(stage);
    const found: { rule: number; start: number; end: number }[] = [];
    if (this.words) {
      const { wordRule, stageMasks } = this;
      for (const hit of this.words.scan(text, (p) => (stageMasks[wordRule[p]] & bit) !== 0)) found.push({ rule: wordRule[hit.pattern], start: hit.start, end: hit.end });
    }
    for (const { rule, regex } of this.regexes) {
      if ((this.stageMasks[rule] & bit) === 0) continue;
      for (const [start, end] of regexSpans(regex, text)) found.push({ rule, start, end });
    }
    found.sort((a, b) => a.start - b.start || b.end - a.end || a.rule - b.rule);
    const matches: FilterMatch[] = [];
    let prev: (typeof found)[number] | undefined;
    for (const f of found) {
      // The same rule over the same span twice (a fold to several letters, as ﬀ → ff) is one match.
      if (prev && prev.rule === f.rule && prev.start === f.start && prev.end === f.end) continue;
      prev = f;
      const rule = this.active[f.rule];
      matches.push({ rule_id: rule.id, category: rule.category, action: rule.action, start: f.start, end: f.end, text: text.slice(f.start, f.end) });
    }
    return matches;
  }

  verdict(text: string, stage?: FilterStage): FilterVerdict {
    const matches = this.check(text, stage);
    return {
      matches,
      action: strongestAction(matches),
      masked: this.mask(
        text,
        matches.filter((m) => m.action === 'mask'),
      ),
    };
  }

  /** The text with every character of the given matches replaced by ＊ (pass only those to hide). */
  mask(text: string, matches: readonly FilterMatch[]): string {
    return maskSpans(text, matches);
  }
}
