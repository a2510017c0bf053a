import { describe, expect, it } from 'vitest';
import { parseSessionChange } from './sessions.service';

/** What another instance publishes on the session channel is checked before any connection is closed for it. */
describe('parseSessionChange', () => {
  it('reads the changes an instance publishes', () => {
    expect(parseSessionChange(JSON.stringify({ from: 'i1', change: { kind: 'ended', userId: 'u1', sessionId: 's1' } }))).toEqual({
      from: 'i1',
      change: { kind: 'ended', userId: 'u1', sessionId: 's1' },
    });
    expect(parseSessionChange(JSON.stringify({ from: 'i1', change: { kind: 'ended', userId: 'u1' } }))).toEqual({ from: 'i1', change: { kind: 'ended', userId: 'u1' } });
    expect(parseSessionChange(JSON.stringify({ from: 'i2', change: { kind: 'changed', userId: 'u2', extra: 1 } }))).toEqual({
      from: 'i2',
      change: { kind: 'changed', userId: 'u2' },
    });
  });

  it('refuses anything else, never widening a change (an ended session with a bad id does not end them all)', () => {
    for (const bad of [
      'not json',
      'null',
      '[]',
      JSON.stringify({ change: { kind: 'ended', userId: 'u1' } }),
      JSON.stringify({ from: 'i1' }),
      JSON.stringify({ from: 'i1', change: { kind: 'ended' } }),
      JSON.stringify({ from: 'i1', change: { kind: 'deleted', userId: 'u1' } }),
      JSON.stringify({ from: 'i1', change: { kind: 'ended', userId: 'u1', sessionId: 42 } }),
      JSON.stringify({ from: 'i1', change: { kind: 'ended', userId: 'u1', sessionId: '' } }),
      JSON.stringify({ from: 'i1', change: { kind: 'ended', userId: 'u1', sessionId: null } }),
    ]) {
      expect(parseSessionChange(bad), bad).toBeNull();
    }
  });
});
