import { describe, expect, it } from 'vitest';
import { CAMERA_MOVES, CAMERA_SHOTS, ROLES, TASK_STATUSES } from '@reelcraft/shared';
import { en } from './en';
import { zh } from './zh';
import { DICTIONARIES, LANGS, detectLanguage, interpolate, placeholders, translate } from './core';

describe('dictionaries', () => {
  it('zh and en hold exactly the same keys', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
  });

  it('every message is a non-empty string in both languages', () => {
    for (const lang of LANGS) {
      for (const [key, text] of Object.entries(DICTIONARIES[lang])) {
        expect(typeof text, `${lang}.${key}`).toBe('string');
        expect(text.trim(), `${lang}.${key}`).not.toBe('');
      }
    }
  });

  it('zh and en use the same placeholders in every message', () => {
    for (const key of Object.keys(zh) as (keyof typeof zh)[]) {
      expect(placeholders(en[key]), key).toEqual(placeholders(zh[key]));
    }
  });

  it('has a label for every task status, role and camera value', () => {
    const keys = new Set(Object.keys(zh));
    for (const s of TASK_STATUSES) expect(keys.has(`status_${s}`), s).toBe(true);
    for (const r of ROLES) expect(keys.has(`role_${r}`), r).toBe(true);
    for (const s of CAMERA_SHOTS) expect(keys.has(`shot_${s}`), s).toBe(true);
    for (const m of CAMERA_MOVES) expect(keys.has(`move_${m}`), m).toBe(true);
  });
});

describe('translate / interpolate', () => {
  it('fills placeholders', () => {
    expect(translate('en', 'login_throttled', { seconds: 12 })).toBe('Too many attempts, retry in 12 s');
    expect(translate('zh', 'login_throttled', { seconds: 12 })).toBe('尝试次数过多，请在 12 秒后重试');
  });

  it('leaves unknown placeholders alone and ignores extra params', () => {
    expect(interpolate('a {x} b {y}', { x: 1, z: 2 })).toBe('a 1 b {y}');
    expect(interpolate('plain')).toBe('plain');
  });

  it('does not treat inherited properties as params', () => {
    expect(interpolate('{toString}', {})).toBe('{toString}');
  });
});

describe('detectLanguage', () => {
  it('prefers the saved choice', () => {
    expect(detectLanguage('en', ['zh-CN'])).toBe('en');
    expect(detectLanguage('zh', ['en-US'])).toBe('zh');
  });

  it('ignores an invalid saved value', () => {
    expect(detectLanguage('fr', ['zh-TW'])).toBe('zh');
  });

  it('follows the browser languages in order', () => {
    expect(detectLanguage(null, ['zh-CN', 'en'])).toBe('zh');
    expect(detectLanguage(null, ['ZH'])).toBe('zh');
    expect(detectLanguage(null, ['en-GB', 'zh-CN'])).toBe('en');
    expect(detectLanguage(null, ['fr-FR', 'zh-Hans-CN'])).toBe('zh');
    expect(detectLanguage(undefined, ['de-DE'])).toBe('en');
    expect(detectLanguage(null, [])).toBe('en');
  });
});
