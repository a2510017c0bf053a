import { describe, expect, it } from 'vitest';
import { previewThrottle } from './preview-throttle';

describe('previewThrottle', () => {
  it('lets through the first step of each scene, then one per interval, and always the last step', () => {
    let now = 0;
    const send = previewThrottle(1000, () => now);
    const sent: string[] = [];
    const step = (scene: number, step: number, at: number) => {
      now = at;
      if (send({ scene_number: scene, step, steps: 10 })) sent.push(`${scene}:${step}`);
    };
    step(1, 1, 0);
    step(1, 2, 500);
    step(1, 3, 999);
    step(1, 4, 1000);
    step(1, 5, 1500);
    step(2, 1, 1600);
    step(1, 10, 1700);
    step(2, 2, 1700);
    expect(sent).toEqual(['1:1', '1:4', '2:1', '1:10']);
  });
});
