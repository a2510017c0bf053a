/**
 * The reactive interface language. `t()` reads a $state, so any template that calls it
 * re-renders when the language changes. The choice is kept in localStorage.
 */
import { detectLanguage, isLang, translate, type Lang, type MessageKey, type Params } from './core';

export type { Lang, MessageKey, Params } from './core';
export { LANGS } from './core';

const STORAGE_KEY = 'reelcraft.lang';

function initial(): Lang {
  let saved: string | null = null;
  try {
    saved = typeof localStorage === 'undefined' ? null : localStorage.getItem(STORAGE_KEY);
  } catch {
    saved = null;
  }
  const browser =
    typeof navigator === 'undefined'
      ? []
      : navigator.languages && navigator.languages.length > 0
        ? navigator.languages
        : [navigator.language];
  return detectLanguage(saved, browser);
}

const start = initial();
let current = $state<Lang>(start);

function applyToDocument(lang: Lang): void {
  if (typeof document !== 'undefined') document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}
applyToDocument(start);

export const i18n = {
  get lang(): Lang {
    return current;
  },
  set lang(value: Lang) {
    if (!isLang(value)) return;
    current = value;
    applyToDocument(value);
    try {
      localStorage.setItem(STORAGE_KEY, value);
    } catch {
      /* private mode: keep it for this page only */
    }
  },
};

export function t(key: MessageKey, params?: Params): string {
  return translate(current, key, params);
}
