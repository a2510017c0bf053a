import type { PlannedScene, TaskSceneView } from '@reelcraft/shared';
import { describe, expect, it } from 'vitest';
import { sceneAt, stripScenes } from './scene-starts';

const scene = (n: number, start: number | null, poster: string | null = null): TaskSceneView => ({
  scene_number: n,
  scene_id: `s${n}`,
  status: 'done',
  cached: false,
  take_id: `k${n}`,
  progress: 1,
  start_sec: start,
  poster_url: poster,
});
const planned = (n: number, description: string): PlannedScene => ({ scene_number: n, description, subtitle: '', camera: { shot: 'wide', move: 'static' }, duration_sec: 4 });

describe('stripScenes', () => {
  it('places each scene where the server says it starts, with its still and description, in scene order', () => {
    const strip = stripScenes([scene(2, 3.5, '/api/tasks/t/scenes/2/poster.jpg'), scene(1, 0)], [planned(1, 'a harbour'), planned(2, 'boats')]);
    expect(strip).toEqual([
      { scene_number: 1, start: 0, poster: null, description: 'a harbour' },
      { scene_number: 2, start: 3.5, poster: '/api/tasks/t/scenes/2/poster.jpg', description: 'boats' },
    ]);
  });

  it('leaves out a scene the server gave no start rather than guessing one', () => {
    expect(stripScenes([scene(1, 0), scene(2, null)], [planned(1, 'a'), planned(2, 'b')]).map((s) => s.scene_number)).toEqual([1]);
  });
});

describe('sceneAt', () => {
  it('finds the scene playing at a time', () => {
    const starts = [0, 3.5, 6];
    expect(sceneAt(starts, 0)).toBe(0);
    expect(sceneAt(starts, 3.49)).toBe(0);
    expect(sceneAt(starts, 3.5)).toBe(1);
    expect(sceneAt(starts, 100)).toBe(2);
  });
});
