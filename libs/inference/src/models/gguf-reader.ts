import { open, type FileHandle } from 'node:fs/promises';
import { GGML_BLOCK_SIZES, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_SCALAR_SIZE, GgufType } from './gguf-format';

/** A metadata value as the registry keeps it: scalars as is, arrays only by element type and length. */
export type GgufMetaValue = string | number | bigint | boolean | { array: number; length: number };

export interface GgufTensorInfo {
  name: string;
  dims: number[];
  type: number;
  offset: number;
}

export interface GgufHeader {
  version: number;
  metadata: Map<string, GgufMetaValue>;
  tensors: GgufTensorInfo[];
  /** Byte offset where tensor data starts (after the aligned header). */
  dataOffset: number;
  fileSize: number;
}

/** The file is not a GGUF we can read; the message says where and why, for the admin console. */
export class GgufFormatError extends Error {
  override readonly name = 'GgufFormatError';
}

/** Header parts bigger than this are corruption, not a model: refuse before allocating them. */
const MAX_STRING_BYTES = 64 * 1024 * 1024;
const MAX_DIMS = 8;
const CHUNK = 1 << 20;

/**
 * Reads forward through a file in 1 MiB chunks. A real model's header is several MiB (the token
 * list of a 150k vocabulary), so reading it whole would be wasteful and reading the weights
 * pointless; only the bytes the header walk touches are read.
 */
class ForwardReader {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  pos = 0;
  constructor(private readonly file: FileHandle, readonly size: number) {}

  private async need(n: number, what: string): Promise<void> {
    if (this.pos + n > this.size) throw new GgufFormatError(`truncated: the file ends inside ${what} (needs byte ${this.pos + n}, file has ${this.size})`);
    if (this.pos >= this.bufStart && this.pos + n <= this.bufStart + this.buf.length) return;
    const length = Math.min(Math.max(n, CHUNK), this.size - this.pos);
    const buf = Buffer.alloc(length);
    const { bytesRead } = await this.file.read(buf, 0, length, this.pos);
    if (bytesRead < n) throw new GgufFormatError(`truncated: could not read ${what} at byte ${this.pos}`);
    this.buf = buf.subarray(0, bytesRead);
    this.bufStart = this.pos;
  }
  private at(): number {
    return this.pos - this.bufStart;
  }
  async u32(what: string): Promise<number> {
    await this.need(4, what);
    const v = this.buf.readUInt32LE(this.at());
    this.pos += 4;
    return v;
  }
  async u64(what: string): Promise<number> {
    await this.need(8, what);
    const v = this.buf.readBigUInt64LE(this.at());
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new GgufFormatError(`corrupt: ${what} is ${v}`);
    return Number(v);
  }
  async scalar(type: number, what: string): Promise<number | bigint | boolean> {
    const size = GGUF_SCALAR_SIZE[type]!;
    await this.need(size, what);
    const b = this.buf;
    const o = this.at();
    this.pos += size;
    switch (type) {
      case GgufType.UINT8:
        return b.readUInt8(o);
      case GgufType.INT8:
        return b.readInt8(o);
      case GgufType.UINT16:
        return b.readUInt16LE(o);
      case GgufType.INT16:
        return b.readInt16LE(o);
      case GgufType.UINT32:
        return b.readUInt32LE(o);
      case GgufType.INT32:
        return b.readInt32LE(o);
      case GgufType.FLOAT32:
        return b.readFloatLE(o);
      case GgufType.BOOL:
        return b.readUInt8(o) !== 0;
      case GgufType.UINT64: {
        const v = b.readBigUInt64LE(o);
        return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      case GgufType.INT64: {
        const v = b.readBigInt64LE(o);
        return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
      }
      default:
        return b.readDoubleLE(o);
    }
  }
  async string(what: string): Promise<string> {
    const length = await this.u64(`the length of ${what}`);
    if (length > MAX_STRING_BYTES) throw new GgufFormatError(`corrupt: ${what} claims ${length} bytes`);
    await this.need(length, what);
    const s = this.buf.toString('utf8', this.at(), this.at() + length);
    this.pos += length;
    return s;
  }
  /** Skips `n` bytes without reading them (arrays of fixed-size values). */
  skip(n: number, what: string): void {
    if (this.pos + n > this.size) throw new GgufFormatError(`truncated: the file ends inside ${what} (needs byte ${this.pos + n}, file has ${this.size})`);
    this.pos += n;
  }
}

async function readValue(r: ForwardReader, type: number, key: string): Promise<GgufMetaValue> {
  if (type === GgufType.STRING) return r.string(`the value of ${key}`);
  if (type in GGUF_SCALAR_SIZE) return r.scalar(type, `the value of ${key}`);
  if (type !== GgufType.ARRAY) throw new GgufFormatError(`corrupt: ${key} has unknown value type ${type}`);
  const itemType = await r.u32(`the element type of ${key}`);
  const length = await r.u64(`the length of ${key}`);
  if (itemType === GgufType.STRING) {
    // Strings carry their own lengths: walk them, keeping none.
    for (let i = 0; i < length; i++) {
      const n = await r.u64(`${key}[${i}]`);
      if (n > MAX_STRING_BYTES) throw new GgufFormatError(`corrupt: ${key}[${i}] claims ${n} bytes`);
      r.skip(n, `${key}[${i}]`);
    }
  } else if (itemType in GGUF_SCALAR_SIZE) {
    r.skip(length * GGUF_SCALAR_SIZE[itemType]!, key);
  } else {
    throw new GgufFormatError(`corrupt: ${key} is an array of unsupported type ${itemType}`);
  }
  return { array: itemType, length };
}

/**
 * Reads a GGUF file's header (metadata and tensor table) without loading the weights, and checks
 * that the tensor data the table describes actually fits in the file. Throws GgufFormatError for
 * anything that is not a whole GGUF v2/v3 file.
 */
export async function readGgufHeader(path: string): Promise<GgufHeader> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const r = new ForwardReader(file, size);
    if (size < 4) throw new GgufFormatError(`not a GGUF file: only ${size} bytes`);
    const magic = await r.u32('the magic number');
    if (magic !== GGUF_MAGIC) throw new GgufFormatError('not a GGUF file: the magic number is not "GGUF"');
    const version = await r.u32('the version');
    // v1 used 32-bit counts and is long obsolete; llama.cpp reads v2 and v3.
    if (version !== 2 && version !== 3) throw new GgufFormatError(`unsupported GGUF version ${version} (llama.cpp reads 2 and 3)`);
    const tensorCount = await r.u64('the tensor count');
    const kvCount = await r.u64('the metadata count');
    // Each entry needs at least a few bytes, so counts beyond the file size are corruption.
    if (tensorCount > size || kvCount > size) throw new GgufFormatError(`corrupt: header claims ${tensorCount} tensors and ${kvCount} metadata entries`);

    const metadata = new Map<string, GgufMetaValue>();
    for (let i = 0; i < kvCount; i++) {
      const key = await r.string(`metadata key #${i}`);
      const type = await r.u32(`the type of ${key}`);
      metadata.set(key, await readValue(r, type, key));
    }

    const tensors: GgufTensorInfo[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const name = await r.string(`tensor name #${i}`);
      const nDims = await r.u32(`the dimension count of ${name}`);
      if (nDims === 0 || nDims > MAX_DIMS) throw new GgufFormatError(`corrupt: tensor ${name} has ${nDims} dimensions`);
      const dims: number[] = [];
      for (let d = 0; d < nDims; d++) dims.push(await r.u64(`the dimensions of ${name}`));
      const type = await r.u32(`the type of ${name}`);
      const offset = await r.u64(`the offset of ${name}`);
      tensors.push({ name, dims, type, offset });
    }

    const alignmentValue = metadata.get('general.alignment');
    const alignment = typeof alignmentValue === 'number' && alignmentValue > 0 ? alignmentValue : GGUF_DEFAULT_ALIGNMENT;
    const dataOffset = Math.ceil(r.pos / alignment) * alignment;
    checkTensorData(tensors, dataOffset, size);
    return { version, metadata, tensors, dataOffset, fileSize: size };
  } finally {
    await file.close();
  }
}

/** A download cut short keeps a valid header; the missing tail only shows in the tensor table. */
function checkTensorData(tensors: readonly GgufTensorInfo[], dataOffset: number, size: number): void {
  let end = dataOffset;
  let last = '';
  for (const t of tensors) {
    const block = GGML_BLOCK_SIZES[t.type];
    const elements = t.dims.reduce((a, b) => a * b, 1);
    const bytes = block ? Math.ceil(elements / block[1]) * block[0] : 1;
    if (dataOffset + t.offset + bytes > end) {
      end = dataOffset + t.offset + bytes;
      last = t.name;
    }
  }
  if (end > size) throw new GgufFormatError(`truncated: tensor ${last} needs the file to be ${end} bytes, it has ${size}`);
}
