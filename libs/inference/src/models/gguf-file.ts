import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadNodeLlamaCpp, type NodeLlamaCpp } from '../planner/llama-runtime';
import { GGUF_MAGIC } from './gguf-format';

export type GgufFileInfo = Awaited<ReturnType<NodeLlamaCpp['readGgufFileInfo']>>;
export type GgufTensorInfo = NonNullable<GgufFileInfo['tensorInfo']>[number];

export interface GgufFile {
  /** What node-llama-cpp read: version, metadata as a nested object, the tensor table. */
  info: GgufFileInfo;
  tensors: readonly GgufTensorInfo[];
  fileSize: number;
}

/** The file is not a GGUF we can read; the message says where and why, for the admin console. */
export class GgufFormatError extends Error {
  override readonly name = 'GgufFormatError';
}

/**
 * node-llama-cpp reads past the end of a file as zeros and loops for as long as a count in the
 * header says, so a garbage array length makes it allocate and spin until stopped. The two
 * top-level counts are checked before it starts; a garbage length deeper in the header is cut off
 * by this limit (a Qwen-sized header, 151k tokens and merges, reads in 0.2-0.4 s). A garbage
 * string length under 4 GiB is still allocated, zero-filled, before the library gives up: the
 * price of not walking the header by hand, and why the server reads GGUFs in a child process
 * (inspectGgufInChildProcess).
 */
const PARSE_LIMIT_MS = 10_000;
/** The smallest a metadata entry (key length, 1-byte key, type, 1-byte value) and a tensor entry (name length, 1-byte name, dim count, 1 dim, type, offset) can be. */
const MIN_KV_BYTES = 8 + 1 + 4 + 1;
const MIN_TENSOR_BYTES = 8 + 1 + 4 + 8 + 4 + 8;

/**
 * Storage per block of the ggml tensor types a downloaded chat model is likely to use:
 * [bytes per block, elements per block]. Enough to tell a truncated file from a whole one; a type
 * not listed here is only checked for its offset lying inside the file. node-llama-cpp has these
 * sizes only through the native binding, which the server must not load.
 */
const GGML_BLOCK_SIZES: Readonly<Record<number, readonly [number, number]>> = {
  0: [4, 1], // F32
  1: [2, 1], // F16
  2: [18, 32], // Q4_0
  3: [20, 32], // Q4_1
  6: [22, 32], // Q5_0
  7: [24, 32], // Q5_1
  8: [34, 32], // Q8_0
  9: [36, 32], // Q8_1
  10: [84, 256], // Q2_K
  11: [110, 256], // Q3_K
  12: [144, 256], // Q4_K
  13: [176, 256], // Q5_K
  14: [210, 256], // Q6_K
  15: [292, 256], // Q8_K
  30: [2, 1], // BF16
};

/**
 * The fixed 24 bytes before the metadata: magic, version, the two counts. Checked here because
 * node-llama-cpp reads an unknown version as v3 (garbage in, garbage out) and trusts the counts.
 */
async function checkFixedHeader(path: string, size: number): Promise<void> {
  if (size < 8) throw new GgufFormatError(`not a GGUF file: only ${size} bytes`);
  const head = Buffer.alloc(24);
  const file = await open(path, 'r');
  try {
    await file.read(head, 0, 24, 0);
  } finally {
    await file.close();
  }
  if (head.readUInt32LE(0) !== GGUF_MAGIC) throw new GgufFormatError('not a GGUF file: the magic number is not "GGUF"');
  const version = head.readUInt32LE(4);
  // v1 used 32-bit counts and is long obsolete; llama.cpp reads v2 and v3, which share a layout.
  if (version !== 2 && version !== 3) throw new GgufFormatError(`unsupported GGUF version ${version} (llama.cpp reads 2 and 3)`);
  if (size < 24) throw new GgufFormatError(`truncated: the file ends inside the header's counts (it has ${size} bytes)`);
  const tensorCount = head.readBigUInt64LE(8);
  const kvCount = head.readBigUInt64LE(16);
  if (tensorCount * BigInt(MIN_TENSOR_BYTES) + kvCount * BigInt(MIN_KV_BYTES) > BigInt(size)) {
    throw new GgufFormatError(`corrupt: the header claims ${tensorCount} tensors and ${kvCount} metadata entries, more than ${size} bytes can hold`);
  }
}

/** The library's own errors (bad value type, impossible length, the time limit) all mean a corrupt header. */
function asFormatError(err: unknown): unknown {
  if (err instanceof GgufFormatError) return err;
  // A file that vanished or cannot be opened is not a format problem: the caller words those.
  if (err instanceof Error && 'syscall' in err) return err;
  if ((err as { name?: unknown } | null)?.name === 'TimeoutError') return new GgufFormatError(`corrupt: reading the header took over ${PARSE_LIMIT_MS / 1000} s (a length in it is probably garbage)`);
  // Buffer.alloc's answer to a garbage string length over 4 GiB.
  if (err instanceof RangeError) return new GgufFormatError(`corrupt: a length in the header is impossibly large (${err.message})`);
  return new GgufFormatError(`corrupt: ${err instanceof Error ? err.message : String(err)}`);
}

/**
 * The library fills whatever lies past the end of the file with zeros, so a download cut inside
 * the header still parses; only the header's end landing past the file's end gives it away.
 */
function checkHeaderEnd(info: GgufFileInfo, size: number): void {
  const end = info.infoEndOffset;
  if (end === undefined || !Number.isFinite(end)) throw new GgufFormatError(`corrupt: the tensor data offset cannot be computed (general.alignment is ${String(metadataValue(info.metadata, 'general.alignment'))})`);
  if (info.metadataSize > size) throw new GgufFormatError(`truncated: the file ends inside the metadata (it has ${size} bytes, the metadata needs at least ${info.metadataSize})`);
  if (end > size) throw new GgufFormatError(`truncated: the file ends inside the tensor table (it has ${size} bytes, the header needs ${end})`);
}

/**
 * A metadata value by its GGUF key (`llama.context_length`). The library nests keys at their dots,
 * but keeps a dotted remainder as one key where nesting would collide (`tokenizer.chat_template`
 * beside `tokenizer.chat_template.tool_use`), so each level tries the longest dotted key first.
 * Untyped on purpose: the library's declared fields say what a model should have, not what this
 * file has.
 */
export function metadataValue(metadata: GgufFileInfo['metadata'], key: string): unknown {
  const find = (node: unknown, parts: readonly string[]): unknown => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    for (let i = parts.length; i > 0; i--) {
      const head = parts.slice(0, i).join('.');
      if (!Object.hasOwn(node, head)) continue;
      const value = (node as Record<string, unknown>)[head];
      if (i === parts.length) return value;
      const found = find(value, parts.slice(i));
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return find(metadata, key.split('.'));
}

/** A download cut short keeps a valid header; the missing tail only shows in the tensor table. */
function checkTensorData(tensors: readonly GgufTensorInfo[], size: number): void {
  let end = 0;
  let last = '';
  for (const t of tensors) {
    const block = GGML_BLOCK_SIZES[t.ggmlType];
    const elements = t.dimensions.reduce<number>((a, b) => a * Number(b), 1);
    const bytes = block ? Math.ceil(elements / block[1]) * block[0] : 1;
    const tensorEnd = Number(t.fileOffset) + bytes;
    if (tensorEnd > end) {
      end = tensorEnd;
      last = t.name;
    }
  }
  if (end > size) throw new GgufFormatError(`truncated: tensor ${last} needs the file to be ${end} bytes, it has ${size}`);
}

/**
 * Reads a local GGUF file's header (metadata and tensor table) with node-llama-cpp, without
 * loading the weights or llama.cpp's native addon, and checks that the tensor data the table
 * describes fits in the file. Throws GgufFormatError for anything that is not a whole GGUF v2/v3.
 *
 * Never the network: the path is resolved and must be an existing regular file before the library
 * sees it, and `sourceType: 'filesystem'` makes the library skip its URL and `hf:` URI detection
 * (without it, a name like `https://…` or `hf:user/model` would be fetched). `spliceSplitFiles:
 * false` keeps it to this one file instead of reading sibling `-0000N-of-0000M` parts.
 */
export async function readGgufFile(path: string): Promise<GgufFile> {
  const local = resolve(path);
  const stats = await stat(local);
  if (!stats.isFile()) throw new GgufFormatError('not a GGUF file: not a regular file');
  await checkFixedHeader(local, stats.size);
  const { readGgufFileInfo } = await loadNodeLlamaCpp();
  const info = await readGgufFileInfo(local, {
    sourceType: 'filesystem',
    spliceSplitFiles: false,
    readTensorInfo: true,
    logWarnings: false,
    signal: AbortSignal.timeout(PARSE_LIMIT_MS),
  }).catch((err: unknown) => {
    throw asFormatError(err);
  });
  checkHeaderEnd(info, stats.size);
  const tensors = info.tensorInfo ?? [];
  checkTensorData(tensors, stats.size);
  return { info, tensors, fileSize: stats.size };
}
