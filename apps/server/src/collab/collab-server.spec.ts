import { describe, expect, it } from 'vitest';
import { parseMembershipChange } from './collab-server';

describe('membership changes from Redis', () => {
  const change = { project_id: 'p-1', user_id: '0b6f1d2e-9a57-4c43-a0c4-4b1b5d1c7e10', reason: 'removed', role: null };

  it('keeps the sender and the fields /collab acts on', () => {
    expect(parseMembershipChange(JSON.stringify({ from: 'instance-a', change }))).toEqual({
      from: 'instance-a',
      change: { project_id: 'p-1', user_id: change.user_id, reason: 'removed' },
    });
  });

  it('refuses anything else: not JSON, no sender, an unknown reason, ids that are not ids', () => {
    for (const bad of [
      'not json',
      'null',
      JSON.stringify({ change }),
      JSON.stringify({ from: '', change }),
      JSON.stringify({ from: 'a', change: { ...change, reason: 'everyone' } }),
      JSON.stringify({ from: 'a', change: { ...change, project_id: '' } }),
      JSON.stringify({ from: 'a', change: { ...change, user_id: 42 } }),
      JSON.stringify({ from: 'a', change: { ...change, project_id: '../x' } }),
    ]) {
      expect(parseMembershipChange(bad), bad).toBeNull();
    }
  });
});
