import { afterEach, describe, expect, it } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { DocAwareness, type AwarenessPeer } from './collab-awareness';

const LIMITS = { statesPerConnection: 4, updatesPerSecond: 100, updateBurst: 100 };

/** A stock client's presence: its own Awareness, whose updates are what a browser would send. */
function client(state: Record<string, unknown>) {
  const doc = new Y.Doc();
  const awareness = new awarenessProtocol.Awareness(doc);
  awareness.setLocalState(state);
  return { id: doc.clientID, awareness, update: () => awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]), doc };
}

/** The entries of an awareness update as (id, clock, state). */
function entries(update: Uint8Array): { clientId: number; clock: number; state: unknown }[] {
  const into = new awarenessProtocol.Awareness(new Y.Doc());
  into.setLocalState(null);
  awarenessProtocol.applyAwarenessUpdate(into, update, null);
  return [...into.getStates()].map(([clientId, state]) => ({ clientId, clock: into.meta.get(clientId)!.clock, state }));
}

describe('presence across instances', () => {
  const made: { destroy(): void }[] = [];
  afterEach(() => {
    for (const m of made.splice(0)) m.destroy();
  });

  const presence = (peers: AwarenessPeer[] = []) => {
    const doc = new Y.Doc();
    const p = new DocAwareness(doc, () => peers, LIMITS);
    made.push(p, doc);
    return p;
  };

  it('takes back a relayed state that expired here when its instance re-announces it with the same clock', () => {
    const here = presence();
    const far = client({ user: { id: 'u-far', name: 'far', colour: '#123456' }, cursor: 7 });
    made.push(far.doc);
    here.applyRemote(far.update());
    expect(here.awareness.getStates().get(far.id)).toMatchObject({ cursor: 7 });
    // What y-protocols' 30-second check does to a state nobody renewed (its instance was cut off).
    awarenessProtocol.removeAwarenessStates(here.awareness, [far.id], 'timeout');
    expect(here.awareness.getStates().has(far.id)).toBe(false);
    here.applyRemote(far.update());
    expect(here.awareness.getStates().get(far.id)).toMatchObject({ cursor: 7 });
    // A later change still wins, an older one still loses.
    const older = far.update();
    far.awareness.setLocalStateField('cursor', 9);
    here.applyRemote(far.update());
    here.applyRemote(older);
    expect(here.awareness.getStates().get(far.id)).toMatchObject({ cursor: 9 });
  });

  it('re-announces the states of its own peers as they are, and not those relayed from elsewhere', () => {
    const sent: Uint8Array[] = [];
    const peer: AwarenessPeer = { userId: 'u-1', userName: 'ada', send: () => undefined };
    const here = presence([peer]);
    here.publish = (u) => sent.push(u);
    const mine = client({ cursor: 1 });
    const far = client({ user: { id: 'u-far', name: 'far', colour: '#123456' } });
    made.push(mine.doc, far.doc);
    here.apply(peer, mine.update());
    here.applyRemote(far.update());
    sent.length = 0;
    here.announce();
    expect(sent).toHaveLength(1);
    expect(entries(sent[0])).toEqual([{ clientId: mine.id, clock: here.awareness.meta.get(mine.id)!.clock, state: { cursor: 1, user: { id: 'u-1', name: 'ada', colour: '#64748b' } } }]);
    // Once the peer left, there is nothing of ours to announce.
    here.leave(peer);
    sent.length = 0;
    here.announce();
    expect(sent).toHaveLength(0);
  });
});
