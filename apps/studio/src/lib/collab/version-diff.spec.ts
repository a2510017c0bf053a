import { DEFAULT_OUTPUT, diffStoryboards, emptyStoryboard, newScene, type Storyboard } from '@reelcraft/shared';
import { describe, expect, it } from 'vitest';
import { describeDiff, textPieces, type DiffLine, type DiffPiece } from './version-diff';

/** Pieces as a compact string: [-removed-], {+inserted+}, … for left-out text. */
const marked = (pieces: DiffPiece[]) => pieces.map((p) => (p.op === 'insert' ? `{+${p.text}+}` : p.op === 'delete' ? `[-${p.text}-]` : p.text)).join('');
const shown = (l: DiffLine) => ('pieces' in l ? `${l.label}: ${marked(l.pieces)}` : `${l.label}: ${l.from} → ${l.to}`);

function board(...descriptions: string[]): Storyboard {
  return { ...emptyStoryboard('港口', 'zh'), scenes: descriptions.map((description) => newScene({ description })) };
}
const copy = (sb: Storyboard): Storyboard => structuredClone(sb);

describe('textPieces', () => {
  it('keeps short texts whole and marks what changed', () => {
    expect(marked(textPieces('灯塔在雾中熄灭', '灯塔在浓雾中闪烁'))).toBe('灯塔在{+浓+}雾中[-熄灭-]{+闪烁+}');
    expect(marked(textPieces('', '新增的一幕'))).toBe('{+新增的一幕+}');
  });

  it('shortens long unchanged runs to the context beside each change', () => {
    const long = '海'.repeat(100);
    expect(marked(textPieces(`${long}猫${long}`, `${long}狗${long}`, 5))).toBe('…海海海海海[-猫-]{+狗+}海海海海海…');
    // Between two changes: context on both sides of the gap; a run not much longer than that stays whole.
    expect(marked(textPieces(`A${long}B`, `a${long}b`, 5))).toBe('[-A-]{+a+}海海海海海…海海海海海[-B-]{+b+}');
    expect(marked(textPieces(`A${'海'.repeat(11)}B`, `a${'海'.repeat(11)}b`, 5))).toBe(`[-A-]{+a+}${'海'.repeat(11)}[-B-]{+b+}`);
    const gaps = textPieces(`${long}猫`, `${long}狗`, 5).filter((p) => p.op === 'gap');
    expect(gaps).toEqual([{ op: 'gap', text: '…' }]);
  });
});

describe('describeDiff', () => {
  it('shows each changed scene field: texts marked, values before → after, in the interface language', () => {
    const a = board('渔船出港', '海鸥盘旋');
    const b = copy(a);
    b.scenes[0].description = '渔船在晨雾中出港';
    b.scenes[0].subtitle = 'Boats leave at dawn';
    b.scenes[0].camera = { shot: 'close-up', move: 'zoom-in', speed: 1.5 };
    b.scenes[0].duration_sec = a.scenes[0].duration_sec + 2;
    b.scenes[0].transition = 'crossfade';
    b.scenes[0].seed = 42;
    b.scenes[0].locked = true;
    const view = describeDiff(diffStoryboards(a, b), 'zh');
    expect(view.same).toBe(false);
    expect(view.scenes).toHaveLength(1);
    const [scene] = view.scenes;
    expect([scene.change, scene.scene]).toEqual(['changed', '分镜 1']);
    expect(scene.lines.map(shown)).toEqual([
      '画面描述: 渔船{+在晨雾中+}出港',
      '字幕: {+Boats leave at dawn+}',
      '镜头 · 景别: 中景 → 特写',
      '镜头 · 运镜: 固定 → 推近',
      '镜头 · 速度: ×1 → ×1.5',
      '时长: 4 秒 → 6 秒',
      '转场: 直切 → 叠化',
      '随机种子: 无 → 42',
      '锁定: 否 → 是',
    ]);
    const en = describeDiff(diffStoryboards(a, b), 'en').scenes[0].lines.map(shown);
    expect(en[0]).toBe('description: 渔船{+在晨雾中+}出港');
    expect(en).toContain('duration: 4 s → 6 s');
    expect(en).toContain('camera · move: Static → Zoom in');
  });

  it('names added, removed and moved scenes, with their text inserted, removed or as it is', () => {
    const a = board('第一幕', '第二幕', '第三幕');
    const b = copy(a);
    b.scenes = [b.scenes[2], b.scenes[0], newScene({ description: '新的一幕：灯塔' })];
    const view = describeDiff(diffStoryboards(a, b), 'zh');
    expect(view.scenes.map((s) => [s.change, s.scene, s.note, s.lines.map(shown)])).toEqual([
      ['moved', '分镜 1', '从第 3 位移到第 1 位', ['画面描述: 第三幕']],
      ['added', '分镜 3', undefined, ['画面描述: {+新的一幕：灯塔+}']],
      ['removed', '分镜 2', undefined, ['画面描述: [-第二幕-]']],
    ]);
    // Moved and edited: a changed scene with its position as a line.
    b.scenes[0].subtitle = '结尾';
    expect(describeDiff(diffStoryboards(a, b), 'zh').scenes[0].lines.map(shown)).toEqual(['字幕: {+结尾+}', '位置: 第 3 位 → 第 1 位']);
  });

  it('shows characters by name, comments counted, media and chaining in words', () => {
    const a = board('渔船出港');
    a.characters = [{ id: 'char-lin-0001', name: '林', description: '老渔夫' }];
    a.scenes[0].comments = [{ id: 'comment-0001', author: 'bob', text: '再暗一点？', created_at: '2026-12-01T08:00:00.000Z', resolved: false }];
    const b = copy(a);
    b.characters.push({ id: 'char-mei-0001', name: '梅', description: '他的女儿' });
    b.scenes[0].character_ids = ['char-lin-0001', 'char-mei-0001'];
    b.scenes[0].comments[0].resolved = true;
    b.scenes[0].media_id = 'media-0000001';
    b.scenes[0].chained = true;
    const view = describeDiff(diffStoryboards(a, b), 'zh');
    expect(view.scenes[0].lines.map(shown)).toEqual(['素材: 无 → 已上传的素材', '接续上一幕: 否 → 是', '角色: {+林、梅+}', '评论: 1 条（1 条未解决） → 1 条（0 条未解决）']);
    expect(view.settings.map((s) => [s.setting, s.lines.map(shown)])).toEqual([['角色', ['新增角色: {+梅 · 他的女儿+}']]]);
  });

  it('shows each changed setting field by field', () => {
    const a = board('渔船出港');
    const b = copy(a);
    b.title = '港口的清晨';
    b.language = 'en';
    a.style.style_prompt = '电影感';
    a.music.track_name = '海风';
    b.style = { ...a.style, style_prompt: '电影感，水彩', aspect: '9:16', width: 360, height: 640, fps: 30 };
    b.music = { ...a.music, enabled: true, track_name: '海浪声', volume: 0.5 };
    b.characters = [{ id: 'char-lin-0001', name: '林', description: '' }];
    b.output = { ...DEFAULT_OUTPUT, burn_subtitles: false, subtitle_position: 'top' };
    const view = describeDiff(diffStoryboards(a, b), 'zh');
    expect(view.title && shown(view.title)).toBe('标题: 港口{+的清晨+}');
    const settings = Object.fromEntries(view.settings.map((s) => [s.setting, s.lines.map(shown)]));
    expect(Object.keys(settings)).toEqual(['语言', '风格', '音乐', '角色', '成片设置']);
    expect(settings['语言']).toEqual(['语言: 中文 → 英文']);
    expect(settings['风格']).toEqual([
      '风格提示词: 电影感{+，水彩+}',
      '画面比例: 16:9 横屏 → 9:16 竖屏',
      '画面尺寸: 640×360 → 360×640',
      '帧率: 24 fps → 30 fps',
    ]);
    expect(settings['音乐']).toEqual([
      '背景音乐: 否 → 是',
      '曲目名称: 海[-风-]{+浪声+}',
      '音量: 80% → 50%',
    ]);
    expect(settings['角色']).toEqual(['新增角色: {+林+}']);
    expect(settings['成片设置']).toEqual(['将字幕烧录进画面: 是 → 否', '字幕位置: 底部 → 顶部']);
  });

  it('says when nothing differs', () => {
    const a = board('渔船出港');
    expect(describeDiff(diffStoryboards(a, copy(a)), 'zh')).toEqual({ title: null, settings: [], scenes: [], same: true });
  });
});
