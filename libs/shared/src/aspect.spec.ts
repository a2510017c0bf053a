import { describe, expect, it } from 'vitest';
import { ASPECTS } from './storyboard-doc';
import { aspectOfSize, sizeForAspect } from './aspect';
import { CreateTaskBodySchema } from './tasks';

describe('aspect presets', () => {
  it('keeps the short side and makes both sides even', () => {
    expect(sizeForAspect('16:9', 360)).toEqual({ width: 640, height: 360 });
    expect(sizeForAspect('9:16', 360)).toEqual({ width: 360, height: 640 });
    expect(sizeForAspect('1:1', 480)).toEqual({ width: 480, height: 480 });
    expect(sizeForAspect('4:3', 720)).toEqual({ width: 960, height: 720 });
    expect(sizeForAspect('3:4', 1080)).toEqual({ width: 1080, height: 1440 });
    // 90 × 16/9 = 160, 91 would be odd: both sides come out even.
    expect(sizeForAspect('9:16', 91)).toEqual({ width: 92, height: 164 });
    for (const a of ASPECTS) {
      const { width, height } = sizeForAspect(a, 135);
      expect(width % 2, a).toBe(0);
      expect(height % 2, a).toBe(0);
    }
  });

  it('names the preset a size has exactly', () => {
    expect(aspectOfSize(1280, 720)).toBe('16:9');
    expect(aspectOfSize(720, 960)).toBe('3:4');
    expect(aspectOfSize(1000, 720)).toBeUndefined();
  });

  it('accepts an aspect and a size on a task, and says what is allowed otherwise', () => {
    expect(CreateTaskBodySchema.parse({ prompt: 'a', aspect: '9:16', size: '720p' })).toEqual({ prompt: 'a', aspect: '9:16', size: '720p' });
    expect(CreateTaskBodySchema.safeParse({ prompt: 'a', aspect: '21:9' }).error?.issues[0]?.message).toBe('aspect must be one of 16:9, 9:16, 1:1, 4:3, 3:4');
    expect(CreateTaskBodySchema.safeParse({ prompt: 'a', size: '2160p' }).error?.issues[0]?.message).toBe('size must be one of 480p, 720p, 1080p (the short side of the frame)');
  });
});
