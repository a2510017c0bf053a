/** Pure i18n helpers (no browser state): lookup, interpolation, language detection. */
import type { Camera, ProjectRole, Role, SceneDiffField, StoryboardSetting, TaskStatus, Transition } from '@reelcraft/shared';
import { en } from './en';
import { zh, type MessageKey, type Messages } from './zh';

export type Lang = 'zh' | 'en';
export const LANGS: readonly Lang[] = ['zh', 'en'];
export const DICTIONARIES: Record<Lang, Messages> = { zh, en };
export type Params = Record<string, string | number>;
export type { MessageKey, Messages };

// Compile-time checks: every status, role and camera value has a label in the dictionaries.
type Covered<K extends string> = K extends MessageKey ? true : never;
const _statusKeys: Covered<`status_${TaskStatus}`> = true;
const _roleKeys: Covered<`role_${Role}`> = true;
const _shotKeys: Covered<`shot_${Camera['shot']}`> = true;
const _moveKeys: Covered<`move_${Camera['move']}`> = true;
const _projectRoleKeys: Covered<`project_role_${ProjectRole}`> = true;
const _transitionKeys: Covered<`transition_${Transition}`> = true;
const _diffFieldKeys: Covered<`diff_field_${SceneDiffField}`> = true;
const _diffSettingKeys: Covered<`diff_setting_${StoryboardSetting}`> = true;
void [_statusKeys, _roleKeys, _shotKeys, _moveKeys, _projectRoleKeys, _transitionKeys, _diffFieldKeys, _diffSettingKeys];

/** Replaces {name} placeholders; unknown placeholders are left as they are. */
export function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

export function translate(lang: Lang, key: MessageKey, params?: Params): string {
  const text = DICTIONARIES[lang][key] ?? DICTIONARIES.en[key] ?? key;
  return interpolate(text, params);
}

/** The {placeholder} names used by a message, sorted (for parity checks). */
export function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
}

export function isLang(v: unknown): v is Lang {
  return v === 'zh' || v === 'en';
}

/**
 * The interface language: the saved choice if there is one, else the first browser language we
 * have (zh-CN, zh-TW, zh → zh; en-* → en), else English.
 */
export function detectLanguage(saved: string | null | undefined, browserLanguages: readonly string[]): Lang {
  if (isLang(saved)) return saved;
  for (const raw of browserLanguages) {
    const tag = raw.toLowerCase();
    if (tag === 'zh' || tag.startsWith('zh-')) return 'zh';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return 'en';
}
