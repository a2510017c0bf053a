/**
 * A multi-pattern Aho–Corasick automaton over small integer symbols (1…alphabetSize), laid out
 * as a double array: the child of state `s` on symbol `c` is state `t = base[s] + c` when
 * `check[t] === s`. Two typed-array reads per transition, no Map per node, and the tables stay
 * compact for a Chinese alphabet of thousands of symbols where a dense goto table would not.
 * (Interleaving the four per-state arrays into one, for one cache line per state, measured
 * slower: the root's children, visited all the time, then spread over four times the memory.)
 * Symbol 0 never occurs in a pattern: a text symbol outside every pattern sends the scan to the root.
 */
export interface Automaton {
  base: Int32Array;
  /** The parent of the state in this slot; -1: no state here. */
  check: Int32Array;
  /** Failure link: the longest proper suffix of the state that is also a state. */
  fail: Int32Array;
  /** The state itself when a pattern ends there, else its nearest such suffix, else -1. */
  output: Int32Array;
  /** From a state where patterns end, the next shorter suffix where patterns end, or -1. */
  nextOutput: Int32Array;
  /** The first pattern that ends at a state, or -1; further ones through `samePlace`. */
  firstPattern: Int32Array;
  samePlace: Int32Array;
  /** Each pattern's length in symbols. */
  lengths: Int32Array;
  longest: number;
}

export const ROOT = 0;

/** `patterns[i]` is pattern i's symbols, each ≥ 1; empty patterns are not allowed. */
export function buildAutomaton(patterns: readonly ArrayLike<number>[], alphabetSize: number): Automaton {
  const trie = buildTrie(patterns, alphabetSize);
  const slot = placeInDoubleArray(trie, alphabetSize);
  const { of, base, check, size } = slot;
  const fail = new Int32Array(size);
  const output = new Int32Array(size).fill(-1);
  const nextOutput = new Int32Array(size).fill(-1);
  const firstPattern = new Int32Array(size).fill(-1);
  for (let node = 0; node < trie.ends.length; node++) firstPattern[of[node]] = trie.ends[node];

  // Breadth first, so a state's failure link is final before its children need it.
  for (const node of trie.order) {
    if (node === ROOT) continue;
    const s = of[node];
    const symbol = trie.symbolOf[node];
    let target = ROOT;
    if (trie.parentOf[node] !== ROOT)
      for (let f = fail[of[trie.parentOf[node]]]; ; f = fail[f]) {
        const t = base[f] + symbol;
        if (check[t] === f) {
          target = t;
          break;
        }
        if (f === ROOT) break;
      }
    fail[s] = target;
    nextOutput[s] = firstPattern[target] !== -1 ? target : nextOutput[target];
    output[s] = firstPattern[s] !== -1 ? s : nextOutput[s];
  }
  const lengths = Int32Array.from(patterns, (p) => p.length);
  return {
    base,
    check,
    fail,
    output,
    nextOutput,
    firstPattern,
    samePlace: trie.samePlace,
    lengths,
    longest: lengths.reduce((a, b) => Math.max(a, b), 0),
  };
}

/** One transition, following failure links as far as needed (the scanner inlines the same loop). */
export function next(a: Automaton, state: number, symbol: number): number {
  if (symbol === 0) return ROOT;
  for (;;) {
    const t = a.base[state] + symbol;
    if (a.check[t] === state) return t;
    if (state === ROOT) return ROOT;
    state = a.fail[state];
  }
}

interface Trie {
  parentOf: number[];
  symbolOf: number[];
  /** Per node, its children's node numbers. */
  childrenOf: number[][];
  /** Per node, the first pattern ending there (-1: none). */
  ends: number[];
  samePlace: Int32Array;
  /** Nodes breadth first. */
  order: number[];
}

function buildTrie(patterns: readonly ArrayLike<number>[], alphabetSize: number): Trie {
  const edges = new Map<number, number>();
  const stride = alphabetSize + 1;
  const parentOf = [-1];
  const symbolOf = [0];
  const childrenOf: number[][] = [[]];
  const ends = [-1];
  const samePlace = new Int32Array(patterns.length).fill(-1);
  patterns.forEach((pattern, index) => {
    if (pattern.length === 0) throw new Error('an empty pattern cannot be matched');
    let node = ROOT;
    for (let k = 0; k < pattern.length; k++) {
      const symbol = pattern[k];
      if (!(symbol >= 1 && symbol <= alphabetSize)) throw new Error(`symbol ${symbol} is outside 1…${alphabetSize}`);
      let child = edges.get(node * stride + symbol);
      if (child === undefined) {
        child = parentOf.length;
        edges.set(node * stride + symbol, child);
        parentOf.push(node);
        symbolOf.push(symbol);
        childrenOf.push([]);
        ends.push(-1);
        childrenOf[node].push(child);
      }
      node = child;
    }
    // Same normalised word twice (two rules): chain them, keeping the rules' order.
    let last = ends[node];
    if (last === -1) ends[node] = index;
    else {
      while (samePlace[last] !== -1) last = samePlace[last];
      samePlace[last] = index;
    }
  });
  const order = [ROOT];
  for (let k = 0; k < order.length; k++) {
    const node = order[k];
    for (const child of childrenOf[node]) order.push(child);
  }
  return { parentOf, symbolOf, childrenOf, ends, samePlace, order };
}

/**
 * Gives every trie node a slot such that its children sit at `base + symbol`: first fit, in
 * breadth-first order (a parent's slot must be known before its children are placed), scanning
 * only free slots.
 */
function placeInDoubleArray(trie: Trie, alphabetSize: number): { of: Int32Array; base: Int32Array; check: Int32Array; size: number } {
  const nodes = trie.symbolOf.length;
  let capacity = Math.max(1024, nodes * 2 + alphabetSize + 1);
  let check = new Int32Array(capacity).fill(-1);
  let base = new Int32Array(capacity);
  // Free slots as a doubly linked list threaded through two arrays (slot 0 is the root's).
  let nextFree = new Int32Array(capacity);
  let prevFree = new Int32Array(capacity);
  const linkFree = (from: number, to: number) => {
    for (let s = from; s < to; s++) {
      nextFree[s] = s + 1;
      prevFree[s] = s - 1;
    }
  };
  linkFree(1, capacity);
  let firstFree = 1;
  const occupy = (s: number, parent: number) => {
    check[s] = parent;
    const p = prevFree[s];
    const n = nextFree[s];
    if (s === firstFree) firstFree = n;
    else nextFree[p] = n;
    if (n < capacity) prevFree[n] = p;
  };
  const grow = (needed: number) => {
    if (needed < capacity) return;
    const old = capacity;
    capacity = Math.max(needed + 1, capacity * 2);
    const grown = (a: Int32Array, fill: number) => {
      const b = new Int32Array(capacity).fill(fill);
      b.set(a);
      return b;
    };
    check = grown(check, -1);
    base = grown(base, 0);
    nextFree = grown(nextFree, 0);
    prevFree = grown(prevFree, 0);
    // Append the new slots to the end of the free list: find its tail by walking back from `old`.
    let tail = -1;
    for (let s = old - 1; s >= 1; s--)
      if (check[s] === -1) {
        tail = s;
        break;
      }
    linkFree(old, capacity);
    prevFree[old] = tail;
    if (tail === -1) firstFree = old;
    else nextFree[tail] = old;
  };

  const of = new Int32Array(nodes);
  check[ROOT] = -2;
  for (const node of trie.order) {
    if (trie.childrenOf[node].length === 0) continue;
    const children = trie.childrenOf[node].slice().sort((a, b) => trie.symbolOf[a] - trie.symbolOf[b]);
    const symbols = children.map((child) => trie.symbolOf[child]);
    const first = symbols[0];
    const parentSlot = of[node];
    let b = -1;
    for (let f = firstFree; ; f = nextFree[f]) {
      if (f >= capacity) grow(f + alphabetSize + 1);
      const candidate = f - first;
      if (candidate < 0) continue;
      grow(candidate + symbols[symbols.length - 1] + 1);
      let fits = true;
      for (let k = 1; k < symbols.length; k++)
        if (check[candidate + symbols[k]] !== -1) {
          fits = false;
          break;
        }
      if (fits) {
        b = candidate;
        break;
      }
    }
    base[parentSlot] = b;
    for (const child of children) {
      const childSlot = b + trie.symbolOf[child];
      occupy(childSlot, parentSlot);
      of[child] = childSlot;
    }
  }
  // Every lookup `base[s] + symbol` must stay inside the arrays.
  let size = 0;
  for (let s = 0; s < capacity; s++) if (check[s] !== -1) size = s + 1;
  let maxBase = 0;
  for (let s = 0; s < size; s++) if (check[s] !== -1 && base[s] > maxBase) maxBase = base[s];
  size = Math.max(size, maxBase + alphabetSize + 1);
  grow(size);
  return { of, base: base.slice(0, size), check: check.slice(0, size), size };
}
