import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, ONNX_FLOAT, ONNX_FLOAT16 } from '../testing/tiny-onnx-graph';
import { fromHalf, halfBits, halfValue, toHalf } from './half-float';
import { GaussianNoise } from './random';

describe('half precision', () => {
  it('encodes known values as IEEE 754 binary16 (NumPy gives the same bits)', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66],
      [1 / 3, 0x3555],
      [65504, 0x7bff],
      [2 ** -14, 0x0400],
      [2 ** -24, 0x0001],
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
      // Past the largest half: 65520 is the midpoint to 65536, rounds to even, which is infinity.
      [65520, 0x7c00],
      [65519, 0x7bff],
      [1e6, 0x7c00],
      // Ties go to the even mantissa; just above a tie goes up.
      [1 + 2 ** -11, 0x3c00],
      [1 + 3 * 2 ** -11, 0x3c02],
      [1 + 2 ** -11 + 2 ** -20, 0x3c01],
      // Below the smallest subnormal: half of it rounds to zero (even), a little more to it.
      [2 ** -25, 0x0000],
      [2 ** -25 * 1.0001, 0x0001],
      [2 ** -26, 0x0000],
      [3 * 2 ** -25, 0x0002],
    ];
    for (const [value, expected] of cases) expect([value, halfBits(value)]).toEqual([value, expected]);
    const nan = halfBits(NaN);
    expect(nan & 0x7c00).toBe(0x7c00);
    expect(nan & 0x3ff).not.toBe(0);
  });

  it('decodes every one of the 65,536 bit patterns and encodes each value back to the same bits', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, h) => h);
    const values = fromHalf(all);
    let checked = 0;
    for (let h = 0; h < 65536; h++) {
      const v = values[h]!;
      if (!Object.is(v, Math.fround(halfValue(h))) && !(Number.isNaN(v) && Number.isNaN(halfValue(h)))) throw new Error(`table and halfValue differ at ${h.toString(16)}`);
      if (Number.isNaN(v)) continue;
      if (halfBits(v) !== h) throw new Error(`bits ${h.toString(16)} → ${v} → ${halfBits(v).toString(16)}`);
      checked++;
    }
    // 2 × 1023 NaN patterns are skipped.
    expect(checked).toBe(65536 - 2046);
    expect([halfValue(0x3c00), halfValue(0x7bff), halfValue(0x0001), halfValue(0xfc00)]).toEqual([1, 65504, 2 ** -24, -Infinity]);
  });

  it('converts arrays both ways', () => {
    const src = Float32Array.from([0.5, -1.25, 3.14159, 1e-6, 70000]);
    const back = fromHalf(toHalf(src));
    expect(Array.from(back)).toEqual([0.5, -1.25, halfValue(halfBits(3.14159)), halfValue(halfBits(1e-6)), Infinity]);
    expect(Math.abs(back[2]! - 3.14159)).toBeLessThan(2e-3);
  });

  it('agrees bit for bit with ONNX Runtime\'s own Cast, both ways', async () => {
    const g = new GraphBuilder('casts');
    g.op('Cast', [g.input('x', ONNX_FLOAT, ['n'])], { to: ONNX_FLOAT16 }, 'half');
    g.op('Cast', [g.input('h', ONNX_FLOAT16, ['n'])], { to: ONNX_FLOAT }, 'full');
    g.output('half', ONNX_FLOAT16, ['n']);
    g.output('full', ONNX_FLOAT, ['n']);
    const session = await InferenceSession.create(g.encode().model, { executionProviders: ['cpu'] });
    try {
      const rng = new GaussianNoise(7);
      // Gaussian values over many scales, from deep subnormals to past the largest half, and the edges.
      const values = Float32Array.from({ length: 20000 }, (_, i) => rng.normal() * 2 ** ((i % 60) - 40));
      values.set([0, -0, 65504, 65519, 65520, -65520, 2 ** -24, 2 ** -25, 1 + 2 ** -11, Infinity, -Infinity]);
      const all = Uint16Array.from({ length: 65536 }, (_, h) => h).filter((h) => (h & 0x7c00) !== 0x7c00 || (h & 0x3ff) === 0);
      const out = await session.run({ x: new Tensor('float32', values, [values.length]), h: new Tensor('float16', all, [all.length]) });
      const ortHalf = out.half!.data as Uint16Array;
      const ours = toHalf(values);
      const mismatches = [...ours.keys()].filter((i) => ours[i] !== ortHalf[i]);
      expect(mismatches.map((i) => [values[i], ours[i], ortHalf[i]])).toEqual([]);
      expect(Array.from(fromHalf(all))).toEqual(Array.from(out.full!.data as Float32Array));
    } finally {
      await session.release();
    }
  });
});
