import { describe, expect, it } from 'vitest';
import { formatOfFile, previewImport } from './import-preview';

describe('previewImport', () => {
  it('reads one word per line with the chosen category and action, skipping blanks, comments and repeats', () => {
    const p = previewImport({ format: 'lines', text: '\uFEFF赌博\n\n# a comment\n  博彩  \r\n赌博\n', category: 'gambling', action: 'block' });
    expect(p.rules).toEqual([
      { line: 1, pattern: '赌博', category: 'gambling', action: 'block' },
      { line: 4, pattern: '博彩', category: 'gambling', action: 'block' },
    ]);
    expect(p.duplicates).toBe(1);
    expect(p.refused).toEqual([]);
    expect(p.tooManyLines).toBe(false);
  });

  it('refuses every word of a plain list without a category or action', () => {
    const p = previewImport({ format: 'lines', text: 'a\nb' });
    expect(p.rules).toEqual([]);
    expect(p.refused.map((r) => r.problem)).toEqual(['category_missing', 'category_missing']);
    expect(previewImport({ format: 'lines', text: 'a', category: 'x' }).refused[0].problem).toBe('action_missing');
  });

  it('reads CSV with an optional header, falling back to the chosen category and action per line', () => {
    const text = 'pattern,category,action\n赌博,gambling,block\n"毒,品",drugs,mask\n色情,,\nspam,ads,delete\n,ads,block\n';
    const p = previewImport({ format: 'csv', text, category: 'misc', action: 'review' });
    expect(p.rules).toEqual([
      { line: 2, pattern: '赌博', category: 'gambling', action: 'block' },
      { line: 3, pattern: '毒,品', category: 'drugs', action: 'mask' },
      { line: 4, pattern: '色情', category: 'misc', action: 'review' },
    ]);
    expect(p.refused).toEqual([
      { line: 5, text: 'spam,ads,delete', problem: 'action_unknown' },
      { line: 6, text: ',ads,block', problem: 'pattern_missing' },
    ]);
  });

  it('refuses patterns and categories over the limits, and says when the list is too long', () => {
    const long = 'x'.repeat(201);
    expect(previewImport({ format: 'lines', text: long, category: 'c', action: 'block' }).refused[0].problem).toBe('pattern_too_long');
    expect(previewImport({ format: 'csv', text: `w,${'c'.repeat(41)},block` }).refused[0].problem).toBe('category_too_long');
    expect(previewImport({ format: 'lines', text: 'a\n'.repeat(50_001), category: 'c', action: 'block' }).tooManyLines).toBe(true);
  });
});

describe('formatOfFile', () => {
  it('takes CSV from the file name, else one word per line', () => {
    expect(formatOfFile('rules.CSV')).toBe('csv');
    expect(formatOfFile('words.txt')).toBe('lines');
  });
});
