/**
 * The awareness (presence) state each client publishes, and how the editor groups everyone's.
 * Pure functions over the awareness map, so they are tested without a network.
 */

export type EditableField = 'description' | 'subtitle' | 'camera' | 'duration_sec' | 'transition' | 'seed' | 'locked' | 'comments';

export interface PresenceUser {
  name: string;
  colour: string;
}

export interface PresenceEditing {
  sceneId: string;
  field: EditableField | string;
}

/** What one client publishes (y-protocols awareness local state). */
export interface PresenceState {
  user?: PresenceUser;
  editing?: PresenceEditing | null;
}

export interface PresentPerson extends PresenceUser {
  /** Awareness client ids of this person's tabs. */
  clientIds: number[];
  /** This browser tab (or another tab of the same person). */
  self: boolean;
}

export interface RemoteEditor extends PresenceUser {
  clientId: number;
  field: string;
}

export interface PresenceGroups {
  /** Everyone present, one entry per username (several tabs count once), self first, then by name. */
  people: PresentPerson[];
  /** Scene id → the other clients editing it (not this tab), ordered by name. */
  editingByScene: Map<string, RemoteEditor[]>;
}

/** No one present yet (before the first awareness update). */
export const EMPTY_PRESENCE: PresenceGroups = Object.freeze({ people: [], editingByScene: new Map<string, RemoteEditor[]>() });

function isUser(u: unknown): u is PresenceUser {
  return !!u && typeof u === 'object' && typeof (u as PresenceUser).name === 'string' && (u as PresenceUser).name !== '' && typeof (u as PresenceUser).colour === 'string';
}

/**
 * Groups the awareness states: states without a user (still connecting, or malformed) are skipped;
 * `selfClientId` is this tab, whose own editing is never shown as a remote highlight.
 */
export function groupPresence(states: ReadonlyMap<number, PresenceState | Record<string, unknown>>, selfClientId: number): PresenceGroups {
  const byName = new Map<string, PresentPerson>();
  const editingByScene = new Map<string, RemoteEditor[]>();
  const selfName = (states.get(selfClientId) as PresenceState | undefined)?.user?.name;
  const ids = [...states.keys()].sort((a, b) => a - b);
  for (const clientId of ids) {
    const state = states.get(clientId) as PresenceState | undefined;
    if (!state || !isUser(state.user)) continue;
    const { name, colour } = state.user;
    const person = byName.get(name);
    if (person) person.clientIds.push(clientId);
    else byName.set(name, { name, colour, clientIds: [clientId], self: name === selfName });
    const editing = state.editing;
    if (clientId !== selfClientId && editing && typeof editing.sceneId === 'string' && editing.sceneId) {
      const list = editingByScene.get(editing.sceneId) ?? [];
      list.push({ name, colour, clientId, field: String(editing.field ?? '') });
      editingByScene.set(editing.sceneId, list);
    }
  }
  for (const list of editingByScene.values()) list.sort((a, b) => a.name.localeCompare(b.name) || a.clientId - b.clientId);
  const people = [...byName.values()].sort((a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name));
  return { people, editingByScene };
}
