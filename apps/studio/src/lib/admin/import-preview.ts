/**
 * What an import of filter rules would add, read in the browser before it is sent: the same
 * reading as the server's (one word per line, or CSV `pattern,category,action` with an optional
 * header; blank lines and `#` comments skipped), so the admin sees the count and the refused lines
 * at once. The server decides in the end (it also skips words that are already rules).
 */
import { FILTER_ACTIONS, FILTER_LIMITS, csvFields, type FilterAction } from '@reelcraft/shared';

export type ImportFormat = 'lines' | 'csv';

/** Why a line cannot become a rule; the studio translates these. */
export type ImportProblem = 'pattern_missing' | 'pattern_too_long' | 'category_missing' | 'category_too_long' | 'action_missing' | 'action_unknown';

export interface ImportPreview {
  rules: { line: number; pattern: string; category: string; action: FilterAction }[];
  refused: { line: number; text: string; problem: ImportProblem }[];
  /** Lines repeating a word earlier in the same list (the server skips them too). */
  duplicates: number;
  /** More lines than one import may hold. */
  tooManyLines: boolean;
}

const isAction = (v: string): v is FilterAction => (FILTER_ACTIONS as readonly string[]).includes(v);

function problemOf(pattern: string, category: string, action: string): ImportProblem | null {
  if (!pattern) return 'pattern_missing';
  if (pattern.length > FILTER_LIMITS.pattern.max) return 'pattern_too_long';
  if (!category) return 'category_missing';
  if (category.length > FILTER_LIMITS.category.max) return 'category_too_long';
  if (!action) return 'action_missing';
  if (!isAction(action)) return 'action_unknown';
  return null;
}

export function previewImport(opts: { format: ImportFormat; text: string; category?: string; action?: FilterAction }): ImportPreview {
  const lines = opts.text.split(/\r?\n/);
  const preview: ImportPreview = { rules: [], refused: [], duplicates: 0, tooManyLines: lines.length > FILTER_LIMITS.importLines.max };
  const seen = new Set<string>();
  const fallbackCategory = opts.category?.trim() ?? '';
  const fallbackAction = opts.action ?? '';
  lines.forEach((raw, i) => {
    const line = raw.replace(/^\uFEFF/, '').trim();
    if (!line || line.startsWith('#')) return;
    let pattern = line;
    let category = fallbackCategory;
    let action: string = fallbackAction;
    if (opts.format === 'csv') {
      const [p = '', c = '', a = ''] = csvFields(line);
      if (i === 0 && p.toLowerCase() === 'pattern' && c.toLowerCase() === 'category') return;
      pattern = p;
      category = c || fallbackCategory;
      action = a || fallbackAction;
    }
    const problem = problemOf(pattern, category, action);
    if (problem) {
      preview.refused.push({ line: i + 1, text: line.slice(0, 200), problem });
      return;
    }
    if (seen.has(pattern)) {
      preview.duplicates++;
      return;
    }
    seen.add(pattern);
    preview.rules.push({ line: i + 1, pattern, category, action: action as FilterAction });
  });
  return preview;
}

/** The import format a chosen file suggests: CSV by its name, else one word per line. */
export function formatOfFile(name: string): ImportFormat {
  return /\.csv$/i.test(name) ? 'csv' : 'lines';
}
