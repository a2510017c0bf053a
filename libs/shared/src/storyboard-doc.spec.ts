import { describe, expect, it } from 'vitest';
import { LIMITS } from './limits';
import { RenderPlanSchema, StoryboardPlanSchema, type StoryboardPlan } from './storyboard';
import { ID_PATTERN, emptyStoryboard, newId, newScene, planFromStoryboard, storyboardFromPlan, validateStoryboard, type Storyboard } from './storyboard-doc';

const plan: StoryboardPlan = {
  language: 'zh',
  title: '森林探险',
  scenes: [
    { scene_number: 2, description: '河流穿过森林', subtitle: '河水潺潺', camera: { shot: 'wide', move: 'pan-left' }, duration_sec: 5 },
    { scene_number: 1, description: '清晨的森林', subtitle: '故事开始', camera: { shot: 'aerial', move: 'zoom-in' }, duration_sec: 4 },
    { scene_number: 3, description: '小鹿在喝水', subtitle: '小动物们', camera: { shot: 'close-up', move: 'static' }, duration_sec: 3 },
  ],
};

const issuesOf = (sb: unknown) => {
  const r = validateStoryboard(sb);
  if (r.ok) throw new Error('expected the storyboard to be refused');
  return r.issues;
};

describe('storyboard schema', () => {
  it('makes ids that are URL-safe, the right length and distinct', () => {
    const ids = Array.from({ length: 1000 }, newId);
    expect(ids.every((id) => ID_PATTERN.test(id) && id.length === 21)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('turns a plan into a valid storyboard and back, in scene order', () => {
    const sb = storyboardFromPlan(plan);
    expect(validateStoryboard(sb)).toEqual({ ok: true, value: sb });
    expect(sb.scenes.map((s) => s.description)).toEqual(['清晨的森林', '河流穿过森林', '小鹿在喝水']);
    expect(new Set(sb.scenes.map((s) => s.id)).size).toBe(3);
    const back = planFromStoryboard(sb);
    expect(RenderPlanSchema.parse(back)).toEqual(back);
    expect(StoryboardPlanSchema.safeParse(back).success).toBe(true);
    expect(back.scenes.map((s) => [s.scene_number, s.description, s.camera, s.duration_sec])).toEqual([
      [1, '清晨的森林', { shot: 'aerial', move: 'zoom-in', speed: 1 }, 4],
      [2, '河流穿过森林', { shot: 'wide', move: 'pan-left', speed: 1 }, 5],
      [3, '小鹿在喝水', { shot: 'close-up', move: 'static', speed: 1 }, 3],
    ]);
  });

  it("carries the style, each scene's characters, seed and camera speed into the render plan", () => {
    const sb = storyboardFromPlan(plan, { style_prompt: 'watercolour', negative_prompt: 'blurry', seed: 7, width: 960, height: 540, fps: 25 });
    sb.characters = [
      { id: 'character-fox-01', name: '小狐狸', description: '红色的毛，白色的尾巴尖' },
      { id: 'character-owl-01', name: 'Owl', description: '' },
    ];
    sb.scenes[0] = { ...sb.scenes[0]!, character_ids: ['character-fox-01', 'character-owl-01'], seed: 42, camera: { ...sb.scenes[0]!.camera, speed: 2 } };
    expect(validateStoryboard(sb).ok).toBe(true);
    const p = RenderPlanSchema.parse(planFromStoryboard(sb));
    expect(p.style).toEqual({ style_prompt: 'watercolour', negative_prompt: 'blurry', seed: 7, width: 960, height: 540, fps: 25 });
    expect(p.scenes[0]).toMatchObject({ characters: ['小狐狸: 红色的毛，白色的尾巴尖', 'Owl'], seed: 42, camera: { speed: 2 } });
    expect(p.scenes[1]!.characters).toBeUndefined();
    expect(p.scenes[1]!.seed).toBeUndefined();
  });

  it("carries each scene's transition into the render plan, leaving a cut out", () => {
    const sb = storyboardFromPlan(plan);
    expect(planFromStoryboard(sb).scenes.map((s) => s.transition)).toEqual([undefined, undefined, undefined]);
    sb.scenes[0] = { ...sb.scenes[0]!, transition: 'fade-black' };
    sb.scenes[1] = { ...sb.scenes[1]!, transition: 'crossfade' };
    sb.scenes[2] = { ...sb.scenes[2]!, transition: 'fade-black' };
    const p = RenderPlanSchema.parse(planFromStoryboard(sb));
    // The first scene's is kept as it is: the assembly reads 'fade-black' there as a fade in from black.
    expect(p.scenes.map((s) => s.transition)).toEqual(['fade-black', 'crossfade', 'fade-black']);
    expect(StoryboardPlanSchema.safeParse(p).success).toBe(true);
    expect(RenderPlanSchema.safeParse({ ...p, scenes: [{ ...p.scenes[0], transition: 'wipe' }] }).success).toBe(false);
  });

  it('accepts a storyboard mid-edit that the render plan still refuses', () => {
    const sb: Storyboard = { ...emptyStoryboard('', 'en'), scenes: [newScene()] };
    expect(validateStoryboard(sb).ok).toBe(true);
    const p = planFromStoryboard(sb);
    expect(p.title).toBe('Untitled');
    expect(StoryboardPlanSchema.safeParse(p).success).toBe(false);
  });

  it('names every broken field with its path and a readable message', () => {
    const sb = storyboardFromPlan(plan);
    const broken = {
      ...sb,
      title: 't'.repeat(LIMITS.storyboard.title.max + 1),
      style: { ...sb.style, width: 641, fps: 0, aspect: '2:1' },
      music: { ...sb.music, volume: 1.5 },
      scenes: [
        {
          ...sb.scenes[0],
          description: 'd'.repeat(LIMITS.description.max + 1),
          camera: { ...sb.scenes[0].camera, speed: 5 },
          duration_sec: 0,
          comments: [{ id: newId(), author: 'alice', text: 'hi', created_at: 'yesterday', resolved: false }],
        },
        sb.scenes[1],
        { ...sb.scenes[2], id: sb.scenes[1].id, transition: 'wipe', character_ids: ['nobody-here'] },
      ],
    };
    expect(issuesOf(broken)).toEqual(
      expect.arrayContaining([
        { path: 'title', message: `title must be at most ${LIMITS.storyboard.title.max} characters` },
        { path: 'style.width', message: 'width must be even' },
        { path: 'style.fps', message: 'fps must be at least 1' },
        { path: 'style.aspect', message: 'aspect must be one of 16:9, 9:16, 1:1, 4:3, 3:4' },
        { path: 'music.volume', message: 'music volume must be at most 1' },
        { path: 'scenes.0.description', message: `description must be at most ${LIMITS.description.max} characters` },
        { path: 'scenes.0.camera.speed', message: 'camera speed must be at most 4' },
        { path: 'scenes.0.duration_sec', message: `duration must be at least ${LIMITS.sceneDurationSec.min}` },
        { path: 'scenes.0.comments.0.created_at', message: 'comment created_at must be an ISO date-time' },
        { path: 'scenes.2.transition', message: 'transition must be one of cut, crossfade, fade-black' },
      ]),
    );
  });

  it('refuses duplicate ids and links to characters that do not exist', () => {
    const sb = storyboardFromPlan(plan);
    const issues = issuesOf({ ...sb, scenes: [sb.scenes[0], { ...sb.scenes[1], id: sb.scenes[0].id, character_ids: ['ghost-character'] }] });
    expect(issues).toEqual([
      { path: 'scenes.1.id', message: `scene id "${sb.scenes[0].id}" is used twice` },
      { path: 'scenes.1.character_ids.0', message: 'no character "ghost-character"' },
    ]);
  });

  it('caps the number of scenes, characters and comments', () => {
    const sb = emptyStoryboard('many', 'en');
    const tooMany = { ...sb, scenes: Array.from({ length: LIMITS.storyboard.scenes.max + 1 }, () => newScene()) };
    expect(issuesOf(tooMany)).toEqual([{ path: 'scenes', message: `a storyboard can hold at most ${LIMITS.storyboard.scenes.max} scenes` }]);
    const comment = () => ({ id: newId(), author: 'bob', text: 'ok', created_at: new Date().toISOString(), resolved: false });
    const chatty = { ...sb, scenes: [newScene({ comments: Array.from({ length: LIMITS.storyboard.commentsPerScene.max + 1 }, comment) })] };
    expect(issuesOf(chatty)).toEqual([{ path: 'scenes.0.comments', message: `a scene can hold at most ${LIMITS.storyboard.commentsPerScene.max} comments` }]);
    const crowd = { ...sb, characters: Array.from({ length: LIMITS.storyboard.characters.max + 1 }, () => ({ id: newId(), name: 'x', description: '' })) };
    expect(issuesOf(crowd)[0].path).toBe('characters');
  });
});
