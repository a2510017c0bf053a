/**
 * IEEE 754 half precision, for models whose inputs and outputs are float16 (Optimum's
 * `--dtype fp16` exports, the usual form on a GPU with 16 GB). ONNX Runtime's JS API carries
 * float16 tensors as their raw bits in a Uint16Array; the pipeline computes in float32.
 */

const word = new Float32Array(1);
const bits = new Uint32Array(word.buffer);

/** The half-precision bits nearest to `value` (ties to even, as NumPy and ONNX Runtime's Cast). */
export function halfBits(value: number): number {
  word[0] = value;
  const f = bits[0]!;
  const sign = (f >>> 16) & 0x8000;
  const exponent = (f >>> 23) & 0xff;
  const mantissa = f & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 112; // rebiased: 127 − 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal in half (or zero): the value is m·2⁻²⁴, m = (1.mantissa)·2^(exponent−126).
    if (e < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - e;
    const m = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    return sign | (rest > halfway || (rest === halfway && m & 1) ? m + 1 : m);
  }
  const h = sign | (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa moves to the next exponent, and past the largest to infinity: both right.
  return rest > 0x1000 || (rest === 0x1000 && h & 1) ? h + 1 : h;
}

/** The value of half-precision bits. */
export function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

let table: Float32Array | undefined;

/** float16 bits → float32 values, through a table of all 65,536 (256 kB, made on first use). */
export function fromHalf(src: Uint16Array, out: Float32Array = new Float32Array(src.length)): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = halfValue(h);
  }
  const t = table;
  for (let i = 0; i < src.length; i++) out[i] = t[src[i]!]!;
  return out;
}

/** float32 values → float16 bits. */
export function toHalf(src: Float32Array, out: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  for (let i = 0; i < src.length; i++) out[i] = halfBits(src[i]!);
  return out;
}
