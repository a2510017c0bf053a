import type { Aspect, VersionKind } from '@reelcraft/shared';
import { formatDateTime, formatShortDateTime } from '$lib/format';
import { translate, type Lang, type MessageKey } from '$lib/i18n/core';

/**
 * How the studio names a version: one a render saved by itself by the moment it was saved, in the
 * reader's language and time zone (the server's name for it is in UTC); any other by its name.
 */
export function versionLabel(v: { kind: VersionKind; name: string; created_at: string }, lang: Lang, short = false): string {
  if (v.kind !== 'render') return v.name;
  return translate(lang, 'versions_render_name', { time: (short ? formatShortDateTime : formatDateTime)(v.created_at, lang) });
}

/** The label of an aspect preset ("9:16 portrait"). */
export function aspectLabelKey(aspect: Aspect): MessageKey {
  return `aspect_${aspect.replace(':', '_')}` as MessageKey;
}
