/**
 * SentencePiece's compiled normalizer, the "Precompiled" normalizer of a tokenizer.json (XLM-R and
 * the multilingual embedding models carry nmt_nfkc this way: NFKC plus SentencePiece's own rules,
 * such as zero-width joiners becoming spaces and control characters dropped).
 *
 * The charsmap is [u32 LE: trie size in bytes][trie: u32 LE units][replacements: NUL-terminated
 * UTF-8 strings]. The trie is a Darts-clone double array over the input's UTF-8 bytes whose leaf
 * values are offsets into the replacements. Normalising follows SentencePiece's
 * Normalizer::NormalizePrefix: at each position the longest rule matching the rest of the input
 * wins and is replaced by its string; where none matches, one character is copied unchanged.
 */
export class PrecompiledCharsmap {
  private readonly units: Uint32Array;
  private readonly replacements: Uint8Array;

  constructor(charsmap: Uint8Array) {
    if (charsmap.byteLength < 8) throw new Error(`the precompiled charsmap has ${charsmap.byteLength} bytes, too few for a trie`);
    const view = new DataView(charsmap.buffer, charsmap.byteOffset, charsmap.byteLength);
    const trieBytes = view.getUint32(0, true);
    if (trieBytes === 0 || trieBytes % 4 !== 0 || 4 + trieBytes > charsmap.byteLength) {
      throw new Error(`the precompiled charsmap's trie size (${trieBytes} bytes) does not fit its ${charsmap.byteLength} bytes`);
    }
    this.units = new Uint32Array(trieBytes / 4);
    for (let i = 0; i < this.units.length; i++) this.units[i] = view.getUint32(4 + i * 4, true);
    this.replacements = charsmap.subarray(4 + trieBytes);
  }

  static fromBase64(base64: string): PrecompiledCharsmap {
    return new PrecompiledCharsmap(Buffer.from(base64, 'base64'));
  }

  normalize(text: string): string {
    const input = Buffer.from(text, 'utf8');
    const out: number[] = [];
    for (let at = 0; at < input.length; ) {
      const match = this.longestPrefix(input, at);
      if (match) {
        for (let k = match.replacement; k < this.replacements.length && this.replacements[k] !== 0; k++) out.push(this.replacements[k]!);
        at += match.length;
      } else {
        const end = Math.min(input.length, at + utf8Length(input[at]!));
        for (; at < end; at++) out.push(input[at]!);
      }
    }
    return Buffer.from(out).toString('utf8');
  }

  /** The longest rule that matches input from `start`: its length in bytes and its replacement's offset. */
  private longestPrefix(input: Uint8Array, start: number): { length: number; replacement: number } | undefined {
    const units = this.units;
    let found: { length: number; replacement: number } | undefined;
    let pos = offset(units[0]!);
    for (let i = start; i < input.length; i++) {
      const c = input[i]!;
      // A NUL ends the key in Darts, as in SentencePiece.
      if (c === 0) break;
      pos ^= c;
      const unit = units[pos];
      // The label includes bit 31, set only on value units: a value never passes for a byte.
      if (unit === undefined || (unit & 0x800000ff) >>> 0 !== c) break;
      pos ^= offset(unit);
      if ((unit >>> 8) & 1) {
        const leaf = units[pos];
        if (leaf === undefined) break;
        found = { length: i - start + 1, replacement: leaf & 0x7fffffff };
      }
    }
    return found;
  }
}

/** Darts-clone: the offset sits above bit 10, shifted 8 more when bit 9 says so. */
function offset(unit: number): number {
  return (unit >>> 10) * (unit & (1 << 9) ? 256 : 1);
}

/** Bytes of the UTF-8 sequence a lead byte starts (1 for a stray continuation byte, which cannot come from a JS string). */
function utf8Length(lead: number): number {
  return lead < 0xc0 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
}
