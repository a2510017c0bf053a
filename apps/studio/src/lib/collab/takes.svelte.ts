/**
 * One scene's takes (every clip a render drew for it, newest first): list them, pick the one the
 * next render uses, delete one. The server's refusals come back in the interface language.
 */
import type { TakeView } from '@reelcraft/shared';
import { api, errorText, ApiRequestError } from '$lib/api';
import { takeMismatch } from '$lib/api-errors';
import { t } from '$lib/i18n/index.svelte';

/** A failed pick or delete, said in the user's language where the studio knows the refusal. */
export function takeErrorText(err: unknown, action: 'pick' | 'delete'): string {
  if (action === 'pick') {
    const mismatch = takeMismatch(err);
    if (mismatch) return mismatch.take && mismatch.scene ? t('takes_pick_mismatch', { take: mismatch.take, scene: mismatch.scene }) : t('takes_pick_conflict');
  }
  if (action === 'delete' && err instanceof ApiRequestError && err.statusCode === 409) return t('takes_delete_running');
  return errorText(err);
}

export class SceneTakes {
  items = $state.raw<TakeView[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  /** The take being picked or deleted. */
  working = $state<string | null>(null);
  readonly #projectId: string;
  readonly #sceneId: string;
  #inFlight: AbortController | null = null;

  constructor(projectId: string, sceneId: string) {
    this.#projectId = projectId;
    this.#sceneId = sceneId;
  }

  async load(): Promise<void> {
    this.#inFlight?.abort();
    const ctl = new AbortController();
    this.#inFlight = ctl;
    try {
      const items = await api.listTakes(this.#projectId, this.#sceneId, ctl.signal);
      if (ctl.signal.aborted) return;
      this.items = items;
      this.loaded = true;
      this.error = null;
    } catch (e) {
      if (ctl.signal.aborted || (e instanceof DOMException && e.name === 'AbortError')) return;
      this.error = errorText(e);
    }
  }

  async pick(take: TakeView): Promise<boolean> {
    return this.#act(take, 'pick', async () => (this.items = await api.selectTake(this.#projectId, this.#sceneId, take.id)));
  }

  async remove(take: TakeView): Promise<boolean> {
    return this.#act(take, 'delete', async () => {
      await api.deleteTake(this.#projectId, this.#sceneId, take.id);
      this.items = this.items.filter((x) => x.id !== take.id);
    });
  }

  async #act(take: TakeView, action: 'pick' | 'delete', work: () => Promise<unknown>): Promise<boolean> {
    this.working = take.id;
    this.error = null;
    try {
      await work();
      return true;
    } catch (e) {
      this.error = takeErrorText(e, action);
      return false;
    } finally {
      this.working = null;
    }
  }

  stop(): void {
    this.#inFlight?.abort();
  }
}
