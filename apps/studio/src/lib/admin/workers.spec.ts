import { WORKER_TOKEN_PATTERN } from '@reelcraft/shared';
import { describe, expect, it } from 'vitest';
import { formatAgo, workerStartCommand } from './workers';

describe('formatAgo', () => {
  const now = Date.parse('2026-12-07T12:00:00Z');
  const ago = (ms: number) => new Date(now - ms).toISOString();

  it('says how long ago in the largest whole unit, in either language', () => {
    expect(formatAgo(ago(12_000), now, 'en')).toBe('12 seconds ago');
    expect(formatAgo(ago(59_400), now, 'en')).toBe('59 seconds ago');
    expect(formatAgo(ago(3 * 60_000 + 59_000), now, 'en')).toBe('3 minutes ago');
    expect(formatAgo(ago(2 * 3_600_000 + 10_000), now, 'en')).toBe('2 hours ago');
    expect(formatAgo(ago(3 * 86_400_000), now, 'en')).toBe('3 days ago');
    expect(formatAgo(ago(12_000), now, 'zh')).toBe('12秒钟前');
    expect(formatAgo(ago(5 * 60_000), now, 'zh')).toBe('5分钟前');
  });

  it('reads a time just ahead of this clock as now, and shows nothing readable as a dash', () => {
    expect(formatAgo(new Date(now + 1500).toISOString(), now, 'en')).toBe('now');
    expect(formatAgo(ago(0), now, 'zh')).toBe('现在');
    for (const bad of [null, undefined, '', 'yesterday']) expect(formatAgo(bad, now, 'en')).toBe('–');
  });
});

describe('workerStartCommand', () => {
  it('starts a worker on the first GPU against this origin with the token, from a checkout', () => {
    const token = `rcw_${'a'.repeat(43)}`;
    expect(token).toMatch(WORKER_TOKEN_PATTERN);
    expect(workerStartCommand('http://studio.intranet:8000', token)).toBe(
      `REELCRAFT_SERVER_URL=http://studio.intranet:8000 REELCRAFT_WORKER_TOKEN=${token} REDIS_URL=redis://redis-host:6379 npm run worker -- --device cuda:0`,
    );
    expect(workerStartCommand('https://s.example', token, 'cuda:1')).toMatch(/--device cuda:1$/);
  });
});
