import { describe, expect, it } from 'vitest';
import { toApiError } from '$lib/api-errors';
import { i18n } from '$lib/i18n/index.svelte';
import { takeErrorText } from './takes.svelte';

describe('takeErrorText', () => {
  it("says why a take cannot be picked in the user's language", () => {
    const err = toApiError(409, JSON.stringify({ message: 'this take was drawn at 4 s, 640×360, 24 fps; the scene is now 6 s, 640×360, 24 fps' }));
    i18n.lang = 'zh';
    expect(takeErrorText(err, 'pick')).toBe('这个镜头是按 4 s · 640×360 · 24 fps 画的，场景现在是 6 s · 640×360 · 24 fps，无法选用。');
    i18n.lang = 'en';
    expect(takeErrorText(err, 'pick')).toContain('drawn at 4 s · 640×360 · 24 fps; the scene is now 6 s');
  });

  it('says a take cannot go while a render runs', () => {
    i18n.lang = 'zh';
    expect(takeErrorText(toApiError(409, JSON.stringify({ message: 'a render of this project is running: delete takes once it has finished' })), 'delete')).toBe('该项目正在渲染：请在渲染结束后再删除镜头。');
  });

  it('says any other error by its code, the server’s words only where the message alone says little', () => {
    i18n.lang = 'zh';
    expect(takeErrorText(toApiError(404, JSON.stringify({ code: 'take_not_found', message: 'no take t1 of this scene' })), 'delete')).toBe('找不到该镜头');
    expect(takeErrorText(toApiError(404, JSON.stringify({ message: 'no take t1 of this scene' })), 'delete')).toBe('找不到请求的内容（no take t1 of this scene）');
  });
});
