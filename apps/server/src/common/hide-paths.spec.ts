import { describe, expect, it } from 'vitest';
import { hidePaths } from './hide-paths';

describe('hidePaths', () => {
  const folders = { DATA_DIR: '/srv/reelcraft/data', MODELS_DIR: '/srv/reelcraft/data/models' };

  it('names each folder instead of its path, the inner folder by its own name', () => {
    expect(hidePaths('ffmpeg -i /srv/reelcraft/data/tasks/t1/scene-1.mp4 failed', folders)).toBe('ffmpeg -i DATA_DIR/tasks/t1/scene-1.mp4 failed');
    expect(hidePaths('"/srv/reelcraft/data/models/diffusion/sd" is broken', folders)).toBe('"MODELS_DIR/diffusion/sd" is broken');
    expect(hidePaths('cd /srv/reelcraft/data; ls /srv/reelcraft/data/', folders)).toBe('cd DATA_DIR; ls DATA_DIR/');
  });

  it('leaves other paths and texts alone, and a trailing separator in the folder changes nothing', () => {
    expect(hidePaths('/srv/other/file and 场景 2', folders)).toBe('/srv/other/file and 场景 2');
    expect(hidePaths('/data/x', { DATA_DIR: '/data/' })).toBe('DATA_DIR/x');
  });
});
