/**
 * Seeded Gaussian noise. The same seed must give byte-identical latents on every machine and
 * Node version, so this uses integer arithmetic (sfc32, seeded through splitmix32) and
 * Box–Muller with Math functions whose results are stable for these inputs, never Math.random.
 */
export class GaussianNoise {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | undefined;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    // Fold a 53-bit integer seed into two 32-bit words so large seeds stay distinct.
    const lo = seed >>> 0;
    const hi = Math.floor(Math.abs(seed) / 2 ** 32) >>> 0;
    let s = (lo ^ Math.imul(hi, 0x9e3779b1) ^ (seed < 0 ? 0x5bd1e995 : 0)) >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
    // sfc32 needs a few rounds to forget a weak seed.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** An independent generator in this one's exact state: both give the same values from here on. */
  clone(): GaussianNoise {
    const copy = new GaussianNoise(0);
    Object.assign(copy, { a: this.a, b: this.b, c: this.c, d: this.d, spare: this.spare });
    return copy;
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in (0, 1): never 0, so log() in Box–Muller stays finite. */
  uniform(): number {
    return (this.nextUint32() + 0.5) / 4294967296;
  }

  normal(): number {
    if (this.spare !== undefined) {
      const v = this.spare;
      this.spare = undefined;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /**
   * A fresh array of n standard normal values: the same values, in the same order, as n calls of
   * normal(), with the generator state in locals and both values of each Box–Muller pair stored
   * directly (no spare field written per pair).
   */
  normals(n: number): Float32Array {
    const out = new Float32Array(n);
    let i = 0;
    if (n > 0 && this.spare !== undefined) {
      out[i++] = this.spare;
      this.spare = undefined;
    }
    let { a, b, c, d } = this;
    for (; i + 1 < n; i += 2) {
      // Two nextUint32() calls, inlined.
      let t = (((a + b) >>> 0) + d) >>> 0;
      d = (d + 1) >>> 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) >>> 0;
      c = ((c << 21) | (c >>> 11)) >>> 0;
      c = (c + t) >>> 0;
      const u1 = (t + 0.5) / 4294967296;
      t = (((a + b) >>> 0) + d) >>> 0;
      d = (d + 1) >>> 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) >>> 0;
      c = ((c << 21) | (c >>> 11)) >>> 0;
      c = (c + t) >>> 0;
      const u2 = (t + 0.5) / 4294967296;
      const r = Math.sqrt(-2 * Math.log(u1));
      const theta = 2 * Math.PI * u2;
      out[i] = r * Math.cos(theta);
      out[i + 1] = r * Math.sin(theta);
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    if (i < n) out[i] = this.normal();
    return out;
  }
}

/** A well-mixed 32-bit seed from several integers (e.g. job seed, scene number, keyframe). */
export function deriveSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const lo = part >>> 0;
    const hi = Math.floor(Math.abs(part) / 2 ** 32) >>> 0;
    for (const word of [lo, hi, part < 0 ? 1 : 0]) {
      h = Math.imul(h ^ word, 0x01000193) >>> 0;
      h = (h ^ (h >>> 15)) >>> 0;
      h = Math.imul(h, 0x2c1b3c6d) >>> 0;
    }
  }
  return h >>> 0;
}
