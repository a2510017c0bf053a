import { describe, expect, it } from 'vitest';
import { groupPresence, type PresenceState } from './presence';

const alice = { name: 'alice', colour: '#c2410c' };
const bob = { name: 'bob', colour: '#0369a1' };
const chen = { name: '陈', colour: '#4d7c0f' };

describe('groupPresence', () => {
  it('lists each person once, self first, then by name', () => {
    const states = new Map<number, PresenceState>([
      [30, { user: chen }],
      [10, { user: bob }],
      [20, { user: alice }],
      [11, { user: bob }], // bob's second tab
    ]);
    const { people } = groupPresence(states, 10);
    expect(people.map((p) => p.name)).toEqual(['bob', 'alice', '陈']);
    expect(people[0]).toMatchObject({ self: true, clientIds: [10, 11] });
    expect(people[1].self).toBe(false);
  });

  it('groups remote editors by scene and leaves out this tab', () => {
    const states = new Map<number, PresenceState>([
      [1, { user: alice, editing: { sceneId: 's1', field: 'description' } }],
      [2, { user: bob, editing: { sceneId: 's1', field: 'subtitle' } }],
      [3, { user: chen, editing: { sceneId: 's2', field: 'camera' } }],
      [4, { user: alice, editing: null }],
    ]);
    const { editingByScene } = groupPresence(states, 1);
    expect([...editingByScene.keys()].sort()).toEqual(['s1', 's2']);
    expect(editingByScene.get('s1')).toEqual([{ ...bob, clientId: 2, field: 'subtitle' }]);
    expect(editingByScene.get('s2')).toEqual([{ ...chen, clientId: 3, field: 'camera' }]);
  });

  it('shows my other tab editing as a remote highlight', () => {
    const states = new Map<number, PresenceState>([
      [1, { user: alice }],
      [2, { user: alice, editing: { sceneId: 's9', field: 'description' } }],
    ]);
    const g = groupPresence(states, 1);
    expect(g.people).toHaveLength(1);
    expect(g.editingByScene.get('s9')?.map((e) => e.clientId)).toEqual([2]);
  });

  it('orders several editors of one scene by name', () => {
    const states = new Map<number, PresenceState>([
      [5, { user: chen, editing: { sceneId: 's', field: 'description' } }],
      [6, { user: bob, editing: { sceneId: 's', field: 'description' } }],
      [7, { user: alice, editing: { sceneId: 's', field: 'subtitle' } }],
    ]);
    expect(groupPresence(states, 99).editingByScene.get('s')!.map((e) => e.name)).toEqual(['alice', 'bob', '陈']);
  });

  it('skips states without a usable user', () => {
    const states = new Map<number, Record<string, unknown>>([
      [1, {}],
      [2, { user: { name: '', colour: '#000' } }],
      [3, { user: 'bob' }],
      [4, { user: bob, editing: { sceneId: '', field: 'x' } }],
    ]);
    const g = groupPresence(states, 1);
    expect(g.people.map((p) => p.name)).toEqual(['bob']);
    expect(g.editingByScene.size).toBe(0);
  });
});
