/** Pure formatting helpers shared by the pages. */
import { cutToChars } from '@reelcraft/shared';

/** A media duration in seconds as m:ss (or h:mm:ss); fractions are rounded to whole seconds. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '–';
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A short duration such as a scene's length, with the unit of the language: "20.5 s"; zh "20.5 秒". */
export function formatSeconds(seconds: number | null | undefined, lang: 'zh' | 'en'): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '–';
  const n = new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { maximumFractionDigits: 1 }).format(seconds);
  return lang === 'zh' ? `${n} 秒` : `${n} s`;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** A byte count in binary units with at most one decimal: 1536 → "1.5 KB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes) || bytes < 0) return '–';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  const text = value >= 100 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
  return `${text} ${UNITS[unit]}`;
}

/** Progress 0..1 as a whole percentage, clamped. */
export function toPercent(progress: number | null | undefined): number {
  if (progress == null || !Number.isFinite(progress)) return 0;
  return Math.round(Math.min(1, Math.max(0, progress)) * 100);
}

/**
 * An ISO timestamp in the interface language; '–' when absent or unreadable. The month is named
 * ("7 Dec 2026, 14:03:05"; zh "2026年12月7日 14:03:05"): 07/12/2026 is a different day to
 * different readers.
 */
export function formatDateTime(iso: string | null | undefined, lang: 'zh' | 'en'): string {
  return formatWith(iso, lang, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** The same, to the minute and without the year, for narrow lists ("7 Dec, 14:03"; zh "12月7日 14:03"). */
export function formatShortDateTime(iso: string | null | undefined, lang: 'zh' | 'en'): string {
  return formatWith(iso, lang, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

function formatWith(iso: string | null | undefined, lang: 'zh' | 'en', options: Intl.DateTimeFormatOptions): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '–';
  return new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', options).format(d);
}

/** Adds query parameters to a same-origin URL that may already hold some. */
export function withQuery(url: string, params: Record<string, string>): string {
  const hashAt = url.indexOf('#');
  const base = hashAt >= 0 ? url.slice(0, hashAt) : url;
  const hash = hashAt >= 0 ? url.slice(hashAt) : '';
  const q = new URLSearchParams(params).toString();
  if (!q) return url;
  const sep = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
  return `${base}${sep}${q}${hash}`;
}

/** The download link of a task's video: the same URL with ?download=1. */
export function downloadUrl(videoUrl: string): string {
  return withQuery(videoUrl, { download: '1' });
}

/**
 * The path to go to after login, taken from ?next=. Only same-origin absolute paths are kept
 * (no "//host", no scheme, no backslash tricks), and never the login page itself.
 */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return '/';
  // Control characters could smuggle a different target past the checks above.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(next)) return '/';
  if (next === '/login' || next.startsWith('/login?') || next.startsWith('/login/')) return '/';
  return next;
}

/** A short id for display: the first 8 characters. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

/** How long something has run, in its two largest units: "3 d 4 h", "2 h 5 min", "45 s" (zh: "3 天 4 小时"). */
export function formatUptime(seconds: number | null | undefined, lang: 'zh' | 'en'): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '–';
  const units = lang === 'zh' ? (['天', '小时', '分钟', '秒'] as const) : (['d', 'h', 'min', 's'] as const);
  const s = Math.floor(seconds);
  const parts = [Math.floor(s / 86400), Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60), s % 60];
  const first = parts.findIndex((n) => n > 0);
  if (first < 0) return `0 ${units[3]}`;
  return parts
    .slice(first, first + 2)
    .map((n, i) => ({ n, unit: units[first + i] }))
    .filter((p, i) => i === 0 || p.n > 0)
    .map((p) => `${p.n} ${p.unit}`)
    .join(' ');
}

/** A share of a whole as a whole percentage (0 when the whole is unknown). */
export function percentOf(part: number, whole: number): number {
  if (!Number.isFinite(part) || !Number.isFinite(whole) || whole <= 0) return 0;
  return Math.round(Math.min(1, Math.max(0, part / whole)) * 100);
}

/**
 * A wait or a length of time, rounded as a person would say it, in the interface language (Intl):
 * "40 sec", "2 min", "1 hr 20 min" (zh: "40秒", "2分钟", "1小时20分钟"). Under a minute it rounds up
 * to ten seconds; under an hour, to whole minutes.
 */
export function formatApproxDuration(seconds: number | null | undefined, lang: 'zh' | 'en'): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '–';
  const locale = lang === 'zh' ? 'zh-CN' : 'en-US';
  const unit = (n: number, u: 'second' | 'minute' | 'hour') => new Intl.NumberFormat(locale, { style: 'unit', unit: u, unitDisplay: 'short' }).format(n);
  if (seconds < 55) return unit(Math.max(10, Math.ceil(seconds / 10) * 10), 'second');
  const minutes = Math.max(1, Math.round(seconds / 60));
  if (minutes < 60) return unit(minutes, 'minute');
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const parts = m > 0 ? [unit(h, 'hour'), unit(m, 'minute')] : [unit(h, 'hour')];
  return new Intl.ListFormat(locale, { style: 'narrow', type: 'unit' }).format(parts);
}

/** A point in a video as m:ss.s for a scene start ("0:07.5"); whole seconds lose the fraction ("1:04"). */
export function formatTimestamp(seconds: number): string {
  const s = Math.max(0, Math.round(seconds * 10) / 10);
  const m = Math.floor(s / 60);
  const rest = s - m * 60;
  const whole = Math.floor(rest);
  const tenth = Math.round((rest - whole) * 10);
  return `${m}:${String(whole).padStart(2, '0')}${tenth ? `.${tenth}` : ''}`;
}

/** The start of a long text on one line, at most `max` characters (not UTF-16 units), cut with "…". */
export function excerpt(text: string, max = 60): string {
  return cutToChars(text.replace(/\s+/g, ' ').trim(), max);
}
