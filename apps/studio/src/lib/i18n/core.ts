/** Pure i18n helpers (no browser state): lookup, interpolation, language detection. */
import type { ApiErrorCode, AuditKind, Camera, FilterAction, FilterRuleKind, FilterStage, ModelKind, ProjectRole, ReviewItemView, ReviewKind, Role, SceneDiffField, StoryboardSetting, SubtitlePlacement, TaskSceneView, TaskStatus, Transition } from '@reelcraft/shared';
import { en } from './en';
import { zh, type MessageKey, type Messages } from './zh';

export type Lang = 'zh' | 'en';
export const LANGS: readonly Lang[] = ['zh', 'en'];
export const DICTIONARIES: Record<Lang, Messages> = { zh, en };
export type Params = Record<string, string | number>;
export type { MessageKey, Messages };

// Compile-time checks: every status, role and camera value (and every value the admin console
// shows: filter actions, kinds and stages, review and audit kinds, model kinds; and the editor's
// filter marks and notices for each action; subtitle positions and scene states) has a label.
type Covered<K extends string> = K extends MessageKey ? true : never;
const _statusKeys: Covered<`status_${TaskStatus}`> = true;
const _roleKeys: Covered<`role_${Role}`> = true;
const _shotKeys: Covered<`shot_${Camera['shot']}`> = true;
const _moveKeys: Covered<`move_${Camera['move']}`> = true;
const _projectRoleKeys: Covered<`project_role_${ProjectRole}`> = true;
const _transitionKeys: Covered<`transition_${Transition}`> = true;
const _diffFieldKeys: Covered<`diff_field_${SceneDiffField}`> = true;
const _diffSettingKeys: Covered<`diff_setting_${StoryboardSetting}`> = true;
const _filterActionKeys: Covered<`filter_action_${FilterAction | 'allow'}`> = true;
const _filterMarkKeys: Covered<`filter_mark_${FilterAction}` | `filter_notice_${FilterAction}_${'one' | 'many'}`> = true;
const _ruleKindKeys: Covered<`filter_kind_${FilterRuleKind}`> = true;
const _stageKeys: Covered<`filter_stage_${FilterStage}`> = true;
const _reviewKindKeys: Covered<`admin_reviews_kind_${ReviewKind}`> = true;
const _reviewStatusKeys: Covered<`admin_reviews_status_${ReviewItemView['status']}` | `admin_reviews_none_${ReviewItemView['status']}`> = true;
const _auditKindKeys: Covered<`admin_audit_kind_${AuditKind}`> = true;
const _modelKindKeys: Covered<`admin_models_${ModelKind}` | `admin_models_none_${ModelKind}`> = true;
const _subtitlePositionKeys: Covered<`delivery_position_${SubtitlePlacement}`> = true;
const _sceneStateKeys: Covered<`scene_state_${TaskSceneView['status']}`> = true;
// Every error code the API may answer with has its message (errors.zh.ts / errors.en.ts).
const _errorCodeKeys: Covered<`error_${ApiErrorCode}`> = true;
void [_statusKeys, _roleKeys, _shotKeys, _moveKeys, _projectRoleKeys, _transitionKeys, _diffFieldKeys, _diffSettingKeys];
void [_filterActionKeys, _filterMarkKeys, _ruleKindKeys, _stageKeys, _reviewKindKeys, _reviewStatusKeys, _auditKindKeys, _modelKindKeys, _subtitlePositionKeys, _sceneStateKeys, _errorCodeKeys];

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
