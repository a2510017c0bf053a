import type { RenderPlan, RenderScene } from '@reelcraft/shared';
import { describe, expect, it } from 'vitest';
import { sceneContentHash, sceneContentParams } from './scene-hash';

const scene: RenderScene = { scene_number: 2, description: '河流穿过森林', subtitle: '河流', camera: { shot: 'wide', move: 'pan-left' } as RenderScene['camera'], duration_sec: 4 };
const plan: Pick<RenderPlan, 'title' | 'style' | 'output'> = { title: '森林', style: { style_prompt: 'watercolour', negative_prompt: 'blurry', seed: 7, width: 640, height: 360, fps: 24 } };
const look = { width: 640, height: 360, fps: 24, seed: 7 };
const hash = (s: RenderScene = scene, p = plan, l = look, r = 'animatic/1') => sceneContentHash(sceneContentParams(s, p, l, r));

describe('sceneContentHash', () => {
  it('a chained scene follows its predecessor; an unchained one hashes as before chaining existed', () => {
    const params = sceneContentParams(scene, plan, look, 'animatic/1');
    expect('chained_from' in params).toBe(false);
    const after = (prev: string) => sceneContentHash(sceneContentParams(scene, plan, look, 'animatic/1', prev));
    expect(after('1'.repeat(64))).not.toBe(after('2'.repeat(64)));
    expect(after('1'.repeat(64))).toBe(after('1'.repeat(64)));
  });


  it('is the same for the same content, whatever the key order or the subtitle and transition', () => {
    expect(hash()).toBe(hash({ ...scene }));
    expect(hash({ ...scene, subtitle: 'another line', transition: 'crossfade' })).toBe(hash());
    // Delivery settings that are the assembly's (subtitles, narration) do not change the picture.
    expect(hash(scene, { ...plan, output: { burn_subtitles: false, subtitle_scale: 2, subtitle_position: 'top', narration: true, caption_card: true } })).toBe(hash());
    expect(hash({ duration_sec: 4, camera: { move: 'pan-left', shot: 'wide' } as RenderScene['camera'], description: '河流穿过森林', scene_number: 2, subtitle: '' })).toBe(hash());
  });

  it('changes with everything that decides the pixels', () => {
    const base = hash();
    const variants = [
      hash({ ...scene, description: '河流穿过草原' }),
      hash({ ...scene, scene_number: 3 }),
      hash({ ...scene, duration_sec: 5 }),
      hash({ ...scene, seed: 1 }),
      hash({ ...scene, characters: ['小狐狸: 红色的'] }),
      hash({ ...scene, camera: { shot: 'close-up', move: 'pan-left' } as RenderScene['camera'] }),
      hash(scene, { ...plan, title: '草原' }),
      hash(scene, { ...plan, style: { ...plan.style!, style_prompt: 'oil' } }),
      hash(scene, { ...plan, style: { ...plan.style!, negative_prompt: '' } }),
      hash(scene, plan, { ...look, seed: 8 }),
      hash(scene, plan, { ...look, width: 320 }),
      hash(scene, plan, { ...look, fps: 12 }),
      hash(scene, plan, look, 'diffusion:tiny-sd:unet/model.onnx:100:1'),
      hash(scene, { ...plan, output: { burn_subtitles: true, subtitle_scale: 1, subtitle_position: 'bottom', narration: false, caption_card: false } }),
      sceneContentHash(sceneContentParams(scene, plan, look, 'animatic/1', 'a'.repeat(64))),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });
});
