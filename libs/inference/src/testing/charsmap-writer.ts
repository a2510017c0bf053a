/**
 * Writes a SentencePiece precompiled charsmap (see PrecompiledCharsmap) from rewrite rules, so
 * the tests' tokenizer.json carries a real compiled normalizer: a Darts-clone double array over
 * the rules' UTF-8 bytes, built breadth first, each node's children placed at the first free base.
 */
interface TrieNode {
  children: Map<number, TrieNode>;
  /** Offset of the replacement, when a rule ends here. */
  value?: number;
}

/** Offsets are stored in 21 bits without the ×256 form, which these small tables never need. */
const MAX_OFFSET = 1 << 21;

export function compileCharsmap(rules: Record<string, string>): Uint8Array {
  const replacements: number[] = [];
  const root: TrieNode = { children: new Map() };
  for (const [from, to] of Object.entries(rules)) {
    const key = Buffer.from(from, 'utf8');
    if (key.length === 0 || key.includes(0)) throw new RangeError(`a charsmap rule needs a non-empty key without NUL, got ${JSON.stringify(from)}`);
    let node = root;
    for (const byte of key) {
      let next = node.children.get(byte);
      if (!next) node.children.set(byte, (next = { children: new Map() }));
      node = next;
    }
    node.value = replacements.length;
    replacements.push(...Buffer.from(to, 'utf8'), 0);
  }

  const units: number[] = [0];
  const taken = new Set<number>([0]);
  const bases = new Set<number>();
  const queue: { node: TrieNode; at: number }[] = [{ node: root, at: 0 }];
  while (queue.length > 0) {
    const { node, at } = queue.shift()!;
    // A rule ending here keeps its value in the unit labelled 0 under this node.
    const labels = [...node.children.keys(), ...(node.value === undefined ? [] : [0])];
    if (labels.length === 0) continue;
    let base = 1;
    while (bases.has(base) || labels.some((l) => taken.has(base ^ l))) base++;
    if ((at ^ base) >= MAX_OFFSET) throw new RangeError('charsmap too large for this writer');
    bases.add(base);
    labels.forEach((l) => taken.add(base ^ l));
    units[at] = (units[at]! | ((at ^ base) << 10)) >>> 0;
    if (node.value !== undefined) units[base] = (node.value | 0x80000000) >>> 0;
    for (const [label, child] of node.children) {
      units[base ^ label] = label | (child.value === undefined ? 0 : 1 << 8);
      queue.push({ node: child, at: base ^ label });
    }
  }

  const trie = Uint32Array.from(units, (u) => u ?? 0);
  const out = Buffer.alloc(4 + trie.byteLength + replacements.length);
  out.writeUInt32LE(trie.byteLength, 0);
  trie.forEach((u, i) => out.writeUInt32LE(u, 4 + i * 4));
  out.set(replacements, 4 + trie.byteLength);
  return out;
}
