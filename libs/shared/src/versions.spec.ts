import { describe, expect, it } from 'vitest';
import { LIMITS } from './limits';
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
      { id: inserted.id, change: 'added', to_index: 1 },
      { id: a.scenes[2].id, change: 'unchanged', from_index: 2, to_index: 2 },
      { id: a.scenes[1].id, change: 'removed', from_index: 1 },
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

  it('compares against an empty storyboard both ways', () => {
    const a = board('one', 'two');
    const empty = withScenes(a, []);
    expect(changes(empty, a).map((c) => c[0])).toEqual(['added', 'added']);
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
