import type { PlannedScene } from '@reelcraft/shared';
import { describe, expect, it } from 'vitest';
import { AnimaticRenderer } from './animatic-renderer';
import { blendFromChain, chainBlendFrames } from './chain-blend';

const scene = (description: string, scene_number: number): PlannedScene => ({
  scene_number,
  description,
  subtitle: '',
  camera: { shot: 'wide', move: 'static' },
  duration_sec: 1,
});

async function frames(s: PlannedScene, chainFrom?: Buffer): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const f of new AnimaticRenderer().renderFrames(s, { width: 64, height: 36, fps: 12, seed: 3, caption: false, ...(chainFrom ? { chainFrom } : {}) })) out.push(f);
  return out;
}

describe('chained scenes', () => {
  it('dissolve over half a second, at most a third of the scene', () => {
    expect(chainBlendFrames(24, 72)).toBe(12);
    expect(chainBlendFrames(24, 24)).toBe(8);
    expect(chainBlendFrames(24, 2)).toBe(1);
  });

  it('an animatic scene starts on the previous scene’s last frame and becomes its own', async () => {
    const harbour = await frames(scene('a harbour at dawn', 1));
    const last = harbour[harbour.length - 1]!;
    const forest = scene('a dark forest with snow', 2);
    const own = await frames(forest);
    const chained = await frames(forest, last);
    expect(chained).toHaveLength(own.length);
    expect(chained[0]!.equals(last)).toBe(true);
    const blend = chainBlendFrames(12, own.length);
    // Halfway through the dissolve: between the two pictures.
    const mid = chained[blend / 2]!;
    const distance = (a: Buffer, b: Buffer) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;
    expect(distance(mid, last)).toBeGreaterThan(1);
    expect(distance(mid, own[blend / 2]!)).toBeGreaterThan(1);
    // After it, exactly the scene's own frames.
    for (let i = blend; i < own.length; i++) expect(chained[i]!.equals(own[i]!)).toBe(true);
  });

  it('refuses a previous frame of another size', () => {
    expect(() => blendFromChain(Buffer.alloc(12), Buffer.alloc(9), 0, 4)).toThrow(/must share one size/);
  });
});
