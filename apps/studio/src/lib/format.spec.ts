import { describe, expect, it } from 'vitest';
import {
  downloadUrl,
  formatApproxDuration,
  formatTimestamp,
  formatUptime,
  percentOf,
  formatBytes,
  formatDateTime,
  formatShortDateTime,
  formatDuration,
  formatSeconds,
  excerpt,
  safeNext,
  shortId,
  toPercent,
  withQuery,
} from './format';

describe('formatDuration', () => {
  it('formats m:ss and h:mm:ss', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(5)).toBe('0:05');
    expect(formatDuration(65.4)).toBe('1:05');
    expect(formatDuration(59.6)).toBe('1:00');
    expect(formatDuration(3600 + 62)).toBe('1:01:02');
  });
  it('shows a dash for missing or invalid values', () => {
    expect(formatDuration(null)).toBe('–');
    expect(formatDuration(undefined)).toBe('–');
    expect(formatDuration(Number.NaN)).toBe('–');
    expect(formatDuration(-1)).toBe('–');
  });
});

describe('excerpt', () => {
  it('keeps a short text, and cuts a long one by characters with an ellipsis', () => {
    expect(excerpt('森林探险', 60)).toBe('森林探险');
    expect(excerpt('a  b\n c', 60)).toBe('a b c');
    expect(excerpt('一二三四五六', 4)).toBe('一二三…');
    expect([...excerpt('🎬'.repeat(10), 5)]).toEqual(['🎬', '🎬', '🎬', '🎬', '…']);
  });
});

describe('formatSeconds', () => {
  it('keeps one decimal, with the unit of the language', () => {
    expect(formatSeconds(5, 'en')).toBe('5 s');
    expect(formatSeconds(2.54, 'en')).toBe('2.5 s');
    expect(formatSeconds(20.5, 'zh')).toBe('20.5 秒');
    expect(formatSeconds(1234.5, 'en')).toBe('1,234.5 s');
    expect(formatSeconds(null, 'zh')).toBe('–');
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1024)).toBe('1 KB');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5 MB');
    expect(formatBytes(123.4 * 1024 * 1024)).toBe('123 MB');
    expect(formatBytes(2.25 * 1024 ** 3)).toBe('2.3 GB');
    expect(formatBytes(3 * 1024 ** 5)).toBe('3072 TB');
  });
  it('shows a dash for missing or invalid values', () => {
    expect(formatBytes(undefined)).toBe('–');
    expect(formatBytes(-3)).toBe('–');
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe('–');
  });
});

describe('toPercent', () => {
  it('clamps and rounds', () => {
    expect(toPercent(0)).toBe(0);
    expect(toPercent(0.333)).toBe(33);
    expect(toPercent(1)).toBe(100);
    expect(toPercent(1.7)).toBe(100);
    expect(toPercent(-0.2)).toBe(0);
    expect(toPercent(Number.NaN)).toBe(0);
    expect(toPercent(null)).toBe(0);
  });
});

describe('formatDateTime', () => {
  it('formats a timestamp and handles missing ones', () => {
    expect(formatDateTime(null, 'en')).toBe('–');
    expect(formatDateTime('not a date', 'zh')).toBe('–');
    expect(formatDateTime('2025-03-04T05:06:07Z', 'en')).toMatch(/2025/);
    expect(formatDateTime('2025-03-04T05:06:07Z', 'zh')).toMatch(/2025/);
  });

  it('names the month, so no reader takes the 4th of March for the 3rd of April', () => {
    // Noon UTC: the same day in every time zone the tests may run in.
    expect(formatDateTime('2025-03-04T12:00:00Z', 'en')).toMatch(/4 Mar 2025/);
    expect(formatDateTime('2025-03-04T12:00:00Z', 'zh')).toMatch(/2025年3月4日/);
    expect(formatShortDateTime('2025-03-04T12:00:00Z', 'en')).toMatch(/4 Mar/);
    expect(formatShortDateTime('2025-03-04T12:00:00Z', 'zh')).toMatch(/3月4日/);
    expect(formatDateTime('2025-03-04T12:00:00Z', 'en')).not.toMatch(/\d\d\/\d\d/);
  });

  it('has a short form to the minute, without the year', () => {
    const short = formatShortDateTime('2025-03-04T05:06:07Z', 'en');
    expect(short).not.toMatch(/2025/);
    expect(short).not.toMatch(/:07/);
    expect(short).toMatch(/\d\d:\d\d/);
    expect(formatShortDateTime(undefined, 'zh')).toBe('–');
  });
});

describe('withQuery / downloadUrl', () => {
  it('adds ?download=1', () => {
    expect(downloadUrl('/api/tasks/abc/video')).toBe('/api/tasks/abc/video?download=1');
  });
  it('appends to an existing query and keeps the hash', () => {
    expect(downloadUrl('/api/tasks/abc/video?v=2')).toBe('/api/tasks/abc/video?v=2&download=1');
    expect(withQuery('/a?', { b: '1' })).toBe('/a?b=1');
    expect(withQuery('/a#t=3', { b: 'x y' })).toBe('/a?b=x+y#t=3');
    expect(withQuery('/a', {})).toBe('/a');
  });
});

describe('safeNext', () => {
  it('keeps same-origin paths', () => {
    expect(safeNext('/tasks/abc')).toBe('/tasks/abc');
    expect(safeNext('/?page=2')).toBe('/?page=2');
  });
  it('rejects anything that could leave the origin or loop', () => {
    expect(safeNext(null)).toBe('/');
    expect(safeNext('')).toBe('/');
    expect(safeNext('https://evil.example/')).toBe('/');
    expect(safeNext('//evil.example/')).toBe('/');
    expect(safeNext('/\\evil.example')).toBe('/');
    expect(safeNext('javascript:alert(1)')).toBe('/');
    expect(safeNext('/login')).toBe('/');
    expect(safeNext('/login?next=/x')).toBe('/');
    expect(safeNext('/a\nb')).toBe('/');
  });
});

describe('shortId', () => {
  it('keeps the first 8 characters', () => {
    expect(shortId('0123456789abcdef')).toBe('01234567');
    expect(shortId('abc')).toBe('abc');
  });
});

describe('formatUptime', () => {
  it('shows the two largest units in the interface language', () => {
    expect(formatUptime(3 * 86400 + 4 * 3600 + 59, 'en')).toBe('3 d 4 h');
    expect(formatUptime(3 * 86400 + 4 * 3600, 'zh')).toBe('3 天 4 小时');
    expect(formatUptime(2 * 3600 + 5 * 60 + 7, 'en')).toBe('2 h 5 min');
    expect(formatUptime(45, 'en')).toBe('45 s');
    expect(formatUptime(86400 + 30, 'en')).toBe('1 d');
    expect(formatUptime(0, 'zh')).toBe('0 秒');
  });

  it('shows a dash for nothing usable', () => {
    expect(formatUptime(null, 'en')).toBe('–');
    expect(formatUptime(-1, 'en')).toBe('–');
  });
});

describe('percentOf', () => {
  it('is a clamped whole percentage, 0 without a whole', () => {
    expect(percentOf(1, 3)).toBe(33);
    expect(percentOf(5, 4)).toBe(100);
    expect(percentOf(1, 0)).toBe(0);
  });
});

describe('formatApproxDuration', () => {
  it('rounds a wait as people say it, in English and Chinese', () => {
    expect(formatApproxDuration(7, 'en')).toBe('10 sec');
    expect(formatApproxDuration(42, 'en')).toBe('50 sec');
    expect(formatApproxDuration(130, 'en')).toBe('2 min');
    expect(formatApproxDuration(130, 'zh')).toBe('2分钟');
    expect(formatApproxDuration(4800, 'en')).toBe('1 hr 20 min');
    expect(formatApproxDuration(4800, 'zh')).toBe('1小时20分钟');
    expect(formatApproxDuration(7200, 'en')).toBe('2 hr');
  });

  it('has nothing to say about an unknown time', () => {
    expect(formatApproxDuration(null, 'en')).toBe('–');
    expect(formatApproxDuration(-1, 'zh')).toBe('–');
  });
});

describe('formatTimestamp', () => {
  it('shows tenths only when there are some', () => {
    expect(formatTimestamp(0)).toBe('0:00');
    expect(formatTimestamp(7.5)).toBe('0:07.5');
    expect(formatTimestamp(64)).toBe('1:04');
    expect(formatTimestamp(59.96)).toBe('1:00');
  });
});
