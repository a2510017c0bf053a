import { describe, expect, it } from 'vitest';
import { localToIso, pageCount, queryString } from './query';

describe('queryString', () => {
  it('keeps the given parameters in order and leaves out empty filters', () => {
    expect(queryString({ page: 2, page_size: 50, q: '  ali ', kind: undefined, from: null, to: '' })).toBe('?page=2&page_size=50&q=ali');
  });

  it('is empty when nothing is left, and encodes what needs it', () => {
    expect(queryString({ q: '   ' })).toBe('');
    expect(queryString({ q: '赌博 & more' })).toBe('?q=%E8%B5%8C%E5%8D%9A+%26+more');
    expect(queryString({ disabled: false })).toBe('?disabled=false');
  });
});

describe('localToIso', () => {
  it('reads a datetime-local value in the local time zone', () => {
    const iso = localToIso('2026-11-25T09:30');
    expect(iso).toBe(new Date(2026, 10, 25, 9, 30).toISOString());
    expect(localToIso('2026-11-25T09:30:15')).toBe(new Date(2026, 10, 25, 9, 30, 15).toISOString());
  });

  it('gives undefined for blank or unreadable values', () => {
    expect(localToIso('')).toBeUndefined();
    expect(localToIso(undefined)).toBeUndefined();
    expect(localToIso('yesterday')).toBeUndefined();
    expect(localToIso('2026-13-45T99:99')).toBeUndefined();
  });
});

describe('pageCount', () => {
  it('counts whole pages, at least one', () => {
    expect(pageCount(0, 50)).toBe(1);
    expect(pageCount(50, 50)).toBe(1);
    expect(pageCount(51, 50)).toBe(2);
    expect(pageCount(Number.NaN, 50)).toBe(1);
  });
});
