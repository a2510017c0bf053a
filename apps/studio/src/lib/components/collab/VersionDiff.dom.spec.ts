/**
 * The version compare as it renders (happy-dom, Svelte's client build): a real StoryboardDiff from
 * libs/shared's diffStoryboards, its changes shown with <ins> and <del>, scenes named by change,
 * and the labels following the interface language.
 */
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { diffStoryboards, emptyStoryboard, newScene, type Storyboard } from '@reelcraft/shared';
import { i18n } from '$lib/i18n/index.svelte';
import VersionDiff from './VersionDiff.svelte';

const mounted: Record<string, unknown>[] = [];
afterEach(() => {
  for (const c of mounted.splice(0)) unmount(c);
  document.body.innerHTML = '';
});

function show(a: Storyboard, b: Storyboard): HTMLElement {
  const target = document.createElement('div');
  document.body.append(target);
  mounted.push(mount(VersionDiff, { target, props: { diff: diffStoryboards(a, b) } }));
  flushSync();
  return target;
}

const texts = (root: Element, selector: string) => [...root.querySelectorAll(selector)].map((e) => e.textContent);

function boards(): { a: Storyboard; b: Storyboard } {
  const a: Storyboard = { ...emptyStoryboard('灯塔', 'zh'), scenes: [newScene({ description: '渔船在清晨出港' }), newScene({ description: '海鸥盘旋' }), newScene({ description: '夜幕降临' })] };
  const b = structuredClone(a);
  b.scenes[0].description = '小船在清晨出港，海鸥盘旋';
  b.scenes[0].duration_sec = 6;
  b.scenes = [b.scenes[2], b.scenes[0], newScene({ description: '灯塔亮起 🌊' })];
  b.title = '灯塔之夜';
  b.style.fps = 30;
  return { a, b };
}

describe('VersionDiff', () => {
  it('marks inserted and removed characters and names each scene by its change, in Chinese', () => {
    i18n.lang = 'zh';
    const { a, b } = boards();
    const root = show(a, b);
    const scenes = [...root.querySelectorAll('[data-testid="diff-scene"]')];
    expect(scenes.map((s) => [s.getAttribute('data-change'), s.querySelector('.kind')?.textContent])).toEqual([
      ['moved', '移动'],
      ['changed', '修改'],
      ['added', '新增'],
      ['removed', '删除'],
    ]);
    expect(scenes[0].querySelector('.note')?.textContent).toBe('从第 3 位移到第 1 位');
    const changed = scenes[1];
    expect(texts(changed, 'ins')).toEqual(['小', '，海鸥盘旋', '6 秒']);
    expect(texts(changed, 'del')).toEqual(['渔', '4 秒']);
    expect(changed.querySelector('ins')?.getAttribute('title')).toBe('新增的文字');
    expect(texts(scenes[2], 'ins')).toEqual(['灯塔亮起 🌊']);
    expect(texts(scenes[3], 'del')).toEqual(['海鸥盘旋']);
    // The title and the settings, field by field.
    const title = root.querySelector('[data-testid="diff-line"]')!;
    expect(title.textContent?.replace(/\s+/g, '')).toBe('标题灯塔之夜');
    expect(texts(title, 'ins')).toEqual(['之夜']);
    expect(root.querySelector('[data-testid="diff-settings"]')?.textContent).toBe('设置：风格');
    expect(texts(root.querySelector('[data-testid="diff-setting"]')!, '.label, del, ins')).toEqual(['帧率', '24 fps', '30 fps']);
  });

  it('follows the interface language and says when nothing differs', () => {
    i18n.lang = 'zh';
    const { a, b } = boards();
    const root = show(a, b);
    expect(root.querySelector('[data-change="changed"] .head')?.textContent).toContain('分镜 2');
    i18n.lang = 'en';
    flushSync();
    expect(root.querySelector('[data-change="changed"] .head')?.textContent).toContain('Scene 2');
    expect(texts(root.querySelector('[data-change="changed"]')!, '.label')).toEqual(['description', 'duration']);
    expect(texts(root.querySelector('[data-change="changed"]')!, 'ins')).toEqual(['小', '，海鸥盘旋', '6 s']);

    const same = show(a, structuredClone(a));
    expect(same.querySelectorAll('ins, del, [data-testid="diff-scene"]')).toHaveLength(0);
    expect(same.textContent).toContain('Same as the current storyboard.');
  });
});
