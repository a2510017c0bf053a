/**
 * The pieces of the GGUF v3 container format that the writer of tiny test models needs; the
 * registry reads GGUFs with node-llama-cpp and only checks the magic itself.
 * [ggml `docs/gguf.md`, `ggml/src/gguf.cpp`]
 */

/** "GGUF" read as a little-endian uint32. */
export const GGUF_MAGIC = 0x46554747;
export const GGUF_VERSION = 3;
/** Tensor data offsets are multiples of `general.alignment`, 32 when the key is absent. */
export const GGUF_DEFAULT_ALIGNMENT = 32;

export const GgufType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;
export type GgufType = (typeof GgufType)[keyof typeof GgufType];

export const GGML_TYPE_F32 = 0;

/** SentencePiece-style token types in `tokenizer.ggml.token_type`. */
export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;
