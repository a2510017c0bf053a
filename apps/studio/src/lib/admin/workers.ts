/** What the console's Workers page computes: how long ago a worker was heard from, and how to start one. */

/**
 * How long ago an ISO time was, as a person says it, in the interface language (Intl):
 * "12 seconds ago", "3 minutes ago", "2 hours ago" (zh "12秒钟前"…). A time slightly ahead of this
 * browser's clock (the server's clock runs a little fast) reads as "now", never as "in 2 seconds".
 */
export function formatAgo(iso: string | null | undefined, nowMs: number, lang: 'zh' | 'en'): string {
  if (!iso) return '–';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '–';
  const seconds = Math.max(0, Math.round((nowMs - at) / 1000));
  const rtf = new Intl.RelativeTimeFormat(lang === 'zh' ? 'zh-CN' : 'en', { numeric: 'auto' });
  if (seconds < 60) return rtf.format(-seconds, 'second');
  if (seconds < 3600) return rtf.format(-Math.floor(seconds / 60), 'minute');
  if (seconds < 86_400) return rtf.format(-Math.floor(seconds / 3600), 'hour');
  return rtf.format(-Math.floor(seconds / 86_400), 'day');
}

/**
 * The command that starts a render worker on a GPU host from a checkout of this repository, with
 * the token just issued. The browser cannot know which Redis the servers use: `redis-host` stands
 * for it, and the page says so. Tokens and origins hold no character a shell would read specially.
 */
export function workerStartCommand(origin: string, token: string, device = 'cuda:0'): string {
  return `REELCRAFT_SERVER_URL=${origin} REELCRAFT_WORKER_TOKEN=${token} REDIS_URL=redis://redis-host:6379 npm run worker -- --device ${device}`;
}

/**
 * Puts text on the clipboard; false when the browser refused. The Clipboard API exists only on
 * secure pages (https or localhost), and an intranet studio is often plain http: there the old
 * select-and-copy path still works.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Refused (no permission, page not focused): try the other way.
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  } finally {
    area.remove();
  }
}
