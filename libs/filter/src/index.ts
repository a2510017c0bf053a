export { ContentFilter, ruleProblem, type FilterVerdict, type SkippedRule } from './content-filter';
export { wordRuleProblem } from './word-matcher';
export { regexRuleProblem } from './regex-rule';
export { normaliseForMatching, normaliseWithSpans, type NormalisedText } from './normalise';
export { MASK_CHAR, maskSpans, strongestAction } from './verdict';
export type { FilterAction, FilterMatch, FilterRuleSpec, FilterStage } from '@reelcraft/shared';
