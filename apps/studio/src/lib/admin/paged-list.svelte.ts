/**
 * One page of an admin list at a time: the console's tables load through this, so each panel only
 * says how to fetch a page (its filters live in the fetch closure) and how to show a row.
 */
import type { Page } from '@reelcraft/shared';
import { ApiRequestError, errorText } from '$lib/api';
import { pageCount } from './query';

export type PageFetcher<T> = (page: number, pageSize: number, signal: AbortSignal) => Promise<Page<T>>;

export class PagedList<T> {
  items = $state.raw<T[]>([]);
  total = $state(0);
  page = $state(1);
  loading = $state(false);
  loaded = $state(false);
  error = $state<string | null>(null);
  readonly pageSize: number;
  readonly #fetch: PageFetcher<T>;
  #inFlight: AbortController | null = null;
  #soon: ReturnType<typeof setTimeout> | undefined;

  constructor(fetch: PageFetcher<T>, pageSize = 20) {
    this.#fetch = fetch;
    this.pageSize = pageSize;
  }

  get pages(): number {
    return pageCount(this.total, this.pageSize);
  }

  /** Loads `page` (the current one by default); a newer load cancels an older one. */
  async load(page: number = this.page): Promise<void> {
    this.#inFlight?.abort();
    const ctl = new AbortController();
    this.#inFlight = ctl;
    this.loading = true;
    try {
      const res = await this.#fetch(Math.max(1, page), this.pageSize, ctl.signal);
      if (ctl.signal.aborted) return;
      this.items = res.items;
      this.total = res.total;
      this.page = Math.max(1, page);
      this.error = null;
      this.loaded = true;
      // The last row of the last page went away: show the page before it.
      if (res.items.length === 0 && this.page > 1 && res.total > 0) void this.load(this.pages);
    } catch (e) {
      if (ctl.signal.aborted || (e instanceof DOMException && e.name === 'AbortError')) return;
      if (e instanceof ApiRequestError && e.statusCode === 401) return; // the layout goes to the login page
      this.error = errorText(e);
    } finally {
      if (this.#inFlight === ctl) {
        this.#inFlight = null;
        this.loading = false;
      }
    }
  }

  /** Page 1 again after a pause: for a search box, so each keystroke does not send a request. */
  loadSoon(delayMs = 250): void {
    clearTimeout(this.#soon);
    this.#soon = setTimeout(() => void this.load(1), delayMs);
  }

  /** Puts a fresher copy of one row in place. */
  replace(match: (item: T) => boolean, item: T): void {
    this.items = this.items.map((x) => (match(x) ? item : x));
  }

  stop(): void {
    clearTimeout(this.#soon);
    this.#inFlight?.abort();
  }
}
