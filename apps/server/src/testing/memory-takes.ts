import type { TakeSelection } from '../renders/take-selection.entity';
import type { Take } from '../renders/take.entity';
import { TakeRepository, type TakeScope } from '../renders/take.repository';

/** TakeRepository in memory, held to the database one's behaviour by its contract suite. */
export class MemoryTakeRepository extends TakeRepository {
  private readonly takes = new Map<string, Take>();
  private readonly picks = new Map<string, TakeSelection>();

  async insert(take: Take): Promise<void> {
    if (this.takes.has(take.id)) throw new Error(`take ${take.id} exists already`);
    this.takes.set(take.id, copy(take));
  }

  async find(projectId: string, takeId: string, sceneId?: string): Promise<Take | null> {
    const t = this.takes.get(takeId);
    return t && t.project_id === projectId && (sceneId === undefined || t.storyboard_scene_id === sceneId) ? copy(t) : null;
  }

  async byIds(ids: readonly string[]): Promise<Take[]> {
    return ids.flatMap((id) => (this.takes.has(id) ? [copy(this.takes.get(id)!)] : []));
  }

  async forScene(projectId: string, sceneId: string): Promise<Take[]> {
    return this.newestFirst((t) => t.project_id === projectId && t.storyboard_scene_id === sceneId);
  }

  async reusable(scope: TakeScope, hashes: readonly string[]): Promise<Take[]> {
    const wanted = new Set(hashes);
    const inScope = (t: Take) => ('projectId' in scope ? t.project_id === scope.projectId : t.project_id === null && t.created_by === scope.ownerId);
    return this.newestFirst((t) => inScope(t) && wanted.has(t.content_hash));
  }

  async usage(projectId: string): Promise<{ count: number; bytes: number }> {
    const mine = [...this.takes.values()].filter((t) => t.project_id === projectId);
    return { count: mine.length, bytes: mine.reduce((n, t) => n + t.bytes, 0) };
  }

  async delete(projectId: string, takeId: string): Promise<Take | null> {
    const t = this.takes.get(takeId);
    if (!t || t.project_id !== projectId) return null;
    this.takes.delete(takeId);
    for (const [key, pick] of this.picks) if (pick.project_id === projectId && pick.take_id === takeId) this.picks.delete(key);
    return t;
  }

  async selection(projectId: string, sceneId: string): Promise<TakeSelection | null> {
    const s = this.picks.get(pickKey(projectId, sceneId));
    return s ? { ...s, selected_at: new Date(s.selected_at) } : null;
  }

  async selections(projectId: string): Promise<TakeSelection[]> {
    return [...this.picks.values()].filter((s) => s.project_id === projectId).map((s) => ({ ...s, selected_at: new Date(s.selected_at) }));
  }

  async select(selection: TakeSelection): Promise<void> {
    this.picks.set(pickKey(selection.project_id, selection.scene_id), { ...selection, selected_at: new Date(selection.selected_at) });
  }

  private newestFirst(keep: (t: Take) => boolean): Take[] {
    return [...this.takes.values()]
      .filter(keep)
      .sort((a, b) => b.created_at.getTime() - a.created_at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map(copy);
  }
}

const pickKey = (projectId: string, sceneId: string) => `${projectId}\u0000${sceneId}`;
const copy = (t: Take): Take => ({ ...t, params: { ...t.params }, created_at: new Date(t.created_at) });
