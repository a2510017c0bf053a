import { describe, expect, it } from 'vitest';
import { LIMITS } from './limits';
import { DEFAULT_OUTPUT } from './storyboard';
import { emptyStoryboard, newScene, type Storyboard, type StoryboardScene } from './storyboard-doc';
import { CreateVersionBodySchema, VersionDiffQuerySchema, diffStoryboards } from './versions';

function board(...descriptions: string[]): Storyboard {
  return { ...emptyStoryboard('Harbour', 'en'), scenes: descriptions.map((description) => newScene({ description })) };
}

/** `sb` with its scenes replaced; scenes are copied so edits never leak back into the original. */
const withScenes = (sb: Storyboard, scenes: StoryboardScene[]): Storyboard => ({ ...sb, scenes: scenes.map((s) => structuredClone(s)) });

const changes = (a: Storyboard, b: Storyboard) => diffStoryboards(a, b).scenes.map((s) => [s.change, s.from_index, s.to_index, s.fields]);

describe('diffStoryboards', () => {
  it('reports every scene unchanged, and nothing else, for equal storyboards', () => {
    const a = board('boats leave', 'gulls circle');
    const diff = diffStoryboards(a, structuredClone(a));
    expect(diff).toEqual({
      scenes: [
        { id: a.scenes[0].id, change: 'unchanged', from_index: 0, to_index: 0 },
        { id: a.scenes[1].id, change: 'unchanged', from_index: 1, to_index: 1 },
      ],
    });
  });

  it('lists the fields that differ in a changed scene, nested ones by their top-level name', () => {
    const a = board('boats leave', 'gulls circle');
    const b = withScenes(a, a.scenes);
    b.scenes[1].description = 'gulls dive';
    b.scenes[1].camera.speed = 2;
    b.scenes[1].seed = 7;
    expect(changes(a, b)).toEqual([
      ['unchanged', 0, 0, undefined],
      ['changed', 1, 1, ['description', 'camera', 'seed']],
    ]);
    // A seed that is absent on one side and undefined on the other is the same seed.
    const c = withScenes(a, a.scenes);
    c.scenes[0].seed = undefined;
    expect(changes(a, c)).toEqual([
      ['unchanged', 0, 0, undefined],
      ['unchanged', 1, 1, undefined],
    ]);
  });

  it('matches scenes by id: an insertion or deletion shifts positions without moving anything', () => {
    const a = board('one', 'two', 'three');
    const inserted = newScene({ description: 'new' });
    const b = withScenes(a, [a.scenes[0], inserted, a.scenes[2]]);
    const diff = diffStoryboards(a, b);
    expect(diff.scenes).toEqual([
      { id: a.scenes[0].id, change: 'unchanged', from_index: 0, to_index: 0 },
      { id: inserted.id, change: 'added', to_index: 1, description: 'new' },
      { id: a.scenes[2].id, change: 'unchanged', from_index: 2, to_index: 2 },
      { id: a.scenes[1].id, change: 'removed', from_index: 1, description: 'two' },
    ]);
    // Deleting the first scene changes every later index, but their order is the same.
    expect(changes(a, withScenes(a, a.scenes.slice(1)))).toEqual([
      ['unchanged', 1, 0, undefined],
      ['unchanged', 2, 1, undefined],
      ['removed', 0, undefined, undefined],
    ]);
  });

  it('calls a scene moved only when its order among the others changed, and changed+position when both', () => {
    const a = board('one', 'two', 'three', 'four');
    // "one" dragged to the end: the other three keep their order, so only "one" moved.
    expect(changes(a, withScenes(a, [a.scenes[1], a.scenes[2], a.scenes[3], a.scenes[0]]))).toEqual([
      ['unchanged', 1, 0, undefined],
      ['unchanged', 2, 1, undefined],
      ['unchanged', 3, 2, undefined],
      ['moved', 0, 3, undefined],
    ]);
    const b = withScenes(a, [a.scenes[3], a.scenes[0], a.scenes[1], a.scenes[2]]);
    b.scenes[0].subtitle = 'the end, first';
    expect(changes(a, b)).toEqual([
      ['changed', 3, 0, ['subtitle', 'position']],
      ['unchanged', 0, 1, undefined],
      ['unchanged', 1, 2, undefined],
      ['unchanged', 2, 3, undefined],
    ]);
  });

  it('reports the title and the storyboard-wide settings that changed', () => {
    const a = board('one');
    const b = { ...withScenes(a, a.scenes), title: 'Harbour at dusk', music: { ...a.music, volume: 0.5 } };
    expect(diffStoryboards(a, b)).toMatchObject({ title: { from: 'Harbour', to: 'Harbour at dusk' }, settings: ['music'] });
    expect(diffStoryboards(a, structuredClone(a)).title).toBeUndefined();
    expect(diffStoryboards(a, { ...a, style: { ...a.style, seed: 3 }, language: 'zh' }).settings).toEqual(['language', 'style']);
  });

  it('carries each changed field before and after, characters by name and comments counted', () => {
    const a = board('渔船出港', 'gulls circle');
    a.characters = [
      { id: 'char-lin-0001', name: '林', description: 'fisherman' },
      { id: 'char-mei-0001', name: '梅', description: 'his daughter' },
    ];
    a.scenes[0].character_ids = ['char-lin-0001'];
    a.scenes[0].comments = [{ id: 'comment-0001', author: 'bob', text: 'darker?', created_at: '2026-12-01T08:00:00.000Z', resolved: false }];
    const b = withScenes(a, a.scenes);
    b.scenes[0].description = '渔船在晨雾中出港';
    b.scenes[0].camera = { ...a.scenes[0].camera, shot: 'close-up' };
    b.scenes[0].seed = 42;
    b.scenes[0].character_ids = ['char-lin-0001', 'char-mei-0001'];
    b.scenes[0].comments = [{ ...a.scenes[0].comments[0], resolved: true }];
    const [first] = diffStoryboards(a, b).scenes;
    expect(first).toEqual({
      id: a.scenes[0].id,
      change: 'changed',
      from_index: 0,
      to_index: 0,
      fields: ['description', 'camera', 'seed', 'character_ids', 'comments'],
      values: {
        description: { from: '渔船出港', to: '渔船在晨雾中出港' },
        camera: { from: a.scenes[0].camera, to: { ...a.scenes[0].camera, shot: 'close-up' } },
        // Absent on one side: null there (JSON has no undefined).
        seed: { from: null, to: 42 },
        character_ids: { from: ['林'], to: ['林', '梅'] },
        comments: { from: { count: 1, open: 1 }, to: { count: 1, open: 0 } },
      },
    });
    // A character named differently in each storyboard is named as each one names it; an unknown id stays an id.
    const c = withScenes(a, a.scenes);
    c.characters = [{ ...a.characters[0], name: '老林' }];
    c.scenes[0].character_ids = ['char-lin-0001', 'char-gone-001'];
    expect(diffStoryboards(a, c).scenes[0].values?.character_ids).toEqual({ from: ['林'], to: ['老林', 'char-gone-001'] });
  });

  it('names added, removed and moved scenes by their description; a moved and edited scene is changed with position', () => {
    const a = board('one', 'two', 'three');
    const b = withScenes(a, [a.scenes[2], a.scenes[0], newScene({ description: '新的一幕' })]);
    const diff = diffStoryboards(a, b);
    expect(diff.scenes.map((s) => [s.change, s.description])).toEqual([
      ['moved', 'three'],
      ['unchanged', undefined],
      ['added', '新的一幕'],
      ['removed', 'two'],
    ]);
    b.scenes[0].description = 'three, first';
    const moved = diffStoryboards(a, b).scenes[0];
    expect(moved).toMatchObject({ change: 'changed', from_index: 2, to_index: 0, fields: ['description', 'position'], values: { description: { from: 'three', to: 'three, first' } } });
    expect(moved.values).not.toHaveProperty('position');
    expect(moved.description).toBeUndefined();
  });

  it('carries each changed setting before and after; output settings are compared with their defaults filled in', () => {
    const a = board('one');
    const b = { ...withScenes(a, a.scenes), style: { ...a.style, width: 360, height: 640, aspect: '9:16' as const }, music: { ...a.music, track_name: '海浪' } };
    const diff = diffStoryboards(a, b);
    expect(diff.settings).toEqual(['style', 'music']);
    expect(diff.setting_values).toEqual({ style: { from: a.style, to: b.style }, music: { from: a.music, to: b.music } });
    // Absent output settings are the defaults: no change unless they differ from them.
    const noOutput = { ...a, output: undefined };
    expect(diffStoryboards(noOutput, { ...a, output: DEFAULT_OUTPUT }).settings).toBeUndefined();
    const burned = { ...DEFAULT_OUTPUT, burn_subtitles: false };
    expect(diffStoryboards(noOutput, { ...a, output: burned })).toMatchObject({ settings: ['output'], setting_values: { output: { from: DEFAULT_OUTPUT, to: burned } } });
    expect(diffStoryboards(a, structuredClone(a)).setting_values).toBeUndefined();
  });

  it('compares against an empty storyboard both ways', () => {
    const a = board('one', 'two');
    const empty = withScenes(a, []);
    expect(changes(empty, a).map((c) => c[0])).toEqual(['added', 'added']);
    expect(diffStoryboards(empty, a).scenes.map((s) => s.description)).toEqual(['one', 'two']);
    expect(changes(a, empty)).toEqual([
      ['removed', 0, undefined, undefined],
      ['removed', 1, undefined, undefined],
    ]);
  });
});

describe('version request schemas', () => {
  it('trims a version name and refuses empty, long or extra input with per-field messages', () => {
    expect(CreateVersionBodySchema.parse({ name: '  v1 ' })).toEqual({ name: 'v1' });
    const issues = (input: unknown) => CreateVersionBodySchema.safeParse(input).error?.issues.map((i) => [i.path.join('.'), i.message]);
    expect(issues({ name: '   ' })).toEqual([['name', 'name must not be empty']]);
    expect(issues({ name: 'x'.repeat(LIMITS.versions.name.max + 1) })).toEqual([['name', `name must be at most ${LIMITS.versions.name.max} characters`]]);
    expect(issues({ name: 3 })).toEqual([['name', 'name must be a string']]);
    expect(issues({ name: 'v1', colour: 'red' })?.[0][0]).toBe('');
  });

  it('compares with the current storyboard unless another version id is given', () => {
    expect(VersionDiffQuerySchema.parse({})).toEqual({ against: 'current' });
    const vid = '5b7c1f4e-8a1d-4d3c-9f0e-2a6b8c4d1e3f';
    expect(VersionDiffQuerySchema.parse({ against: vid })).toEqual({ against: vid });
    expect(VersionDiffQuerySchema.safeParse({ against: 'yesterday' }).error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['against', 'against must be "current" or a version id'],
    ]);
  });
});
