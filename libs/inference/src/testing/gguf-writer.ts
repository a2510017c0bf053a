import { GGML_TYPE_F32, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, GgufType } from '../models/gguf-format';

/** A metadata value with its GGUF type spelled out, so a writer never guesses int vs float. */
export type GgufWriteValue =
  | { type: 'string'; value: string }
  | { type: 'uint32'; value: number }
  | { type: 'int32'; value: number }
  | { type: 'float32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'int32[]'; value: readonly number[] }
  | { type: 'float32[]'; value: readonly number[] };

export interface GgufWriteTensor {
  name: string;
  /** Innermost first, as GGUF stores them: a [rows × cols] matrix is [cols, rows]. */
  dims: readonly number[];
  data: Float32Array;
}

/** Grows a byte buffer as values are appended; GGUF is little-endian throughout. */
class ByteSink {
  private buf = Buffer.alloc(1 << 16);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  u32(v: number): void {
    this.reserve(4);
    this.length = this.buf.writeUInt32LE(v, this.length);
  }
  i32(v: number): void {
    this.reserve(4);
    this.length = this.buf.writeInt32LE(v, this.length);
  }
  u64(v: number): void {
    this.reserve(8);
    this.length = this.buf.writeBigUInt64LE(BigInt(v), this.length);
  }
  f32(v: number): void {
    this.reserve(4);
    this.length = this.buf.writeFloatLE(v, this.length);
  }
  u8(v: number): void {
    this.reserve(1);
    this.length = this.buf.writeUInt8(v, this.length);
  }
  str(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.bytes(bytes);
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  padTo(alignment: number): void {
    const pad = (alignment - (this.length % alignment)) % alignment;
    this.reserve(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }
  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function writeValue(out: ByteSink, v: GgufWriteValue): void {
  switch (v.type) {
    case 'string':
      out.u32(GgufType.STRING);
      return out.str(v.value);
    case 'uint32':
      out.u32(GgufType.UINT32);
      return out.u32(v.value);
    case 'int32':
      out.u32(GgufType.INT32);
      return out.i32(v.value);
    case 'float32':
      out.u32(GgufType.FLOAT32);
      return out.f32(v.value);
    case 'bool':
      out.u32(GgufType.BOOL);
      return out.u8(v.value ? 1 : 0);
    case 'string[]':
      out.u32(GgufType.ARRAY);
      out.u32(GgufType.STRING);
      out.u64(v.value.length);
      return v.value.forEach((s) => out.str(s));
    case 'int32[]':
      out.u32(GgufType.ARRAY);
      out.u32(GgufType.INT32);
      out.u64(v.value.length);
      return v.value.forEach((n) => out.i32(n));
    case 'float32[]':
      out.u32(GgufType.ARRAY);
      out.u32(GgufType.FLOAT32);
      out.u64(v.value.length);
      return v.value.forEach((n) => out.f32(n));
  }
}

/** Serialises a whole GGUF v3 file (F32 tensors only) into one buffer. */
export function encodeGguf(metadata: ReadonlyArray<readonly [string, GgufWriteValue]>, tensors: readonly GgufWriteTensor[]): Buffer {
  const out = new ByteSink();
  out.u32(GGUF_MAGIC);
  out.u32(GGUF_VERSION);
  out.u64(tensors.length);
  out.u64(metadata.length);
  for (const [key, value] of metadata) {
    out.str(key);
    writeValue(out, value);
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    const elements = t.dims.reduce((a, b) => a * b, 1);
    if (elements !== t.data.length) throw new RangeError(`tensor ${t.name}: dims hold ${elements} values, data has ${t.data.length}`);
    out.str(t.name);
    out.u32(t.dims.length);
    t.dims.forEach((d) => out.u64(d));
    out.u32(GGML_TYPE_F32);
    out.u64(offset);
    offsets.push(offset);
    offset += Math.ceil((t.data.byteLength) / GGUF_DEFAULT_ALIGNMENT) * GGUF_DEFAULT_ALIGNMENT;
  }
  out.padTo(GGUF_DEFAULT_ALIGNMENT);
  for (const t of tensors) {
    out.bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    out.padTo(GGUF_DEFAULT_ALIGNMENT);
  }
  return out.result();
}
