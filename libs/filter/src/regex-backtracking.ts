/**
 * Finds regular expressions that V8's backtracking engine can take a very long time on, from the
 * structure of the pattern rather than a stopwatch. The pattern becomes a Glushkov automaton (one
 * state per one-character part; counted repetitions unrolled, long ones treated as unbounded, which
 * only ever finds more ambiguity), and the classic ambiguity tests run on it:
 *
 * - exponential: some state can loop back to itself along two different paths that read the same
 *   text, as in `(x|x)*y` or `(a|aa)*b`: each extra repetition doubles the ways to try;
 * - polynomial: two different looping states p, q with p→p, p→q and q→q all on the same text,
 *   as in `\d+\d+x` or `\s*:?\s*\w`: a long run of that text is split every possible way. When
 *   p or q can end the match right away the first split succeeds, so those are let through.
 *
 * Which characters a part matches is asked of V8 on a set of probe characters (every character
 * the pattern names, its neighbours and case variants, ASCII, Latin-1 and representatives of
 * other scripts and separators): two parts overlap when some probe matches both.
 */
import type { RegexNode } from './regex-syntax';

export type BacktrackingProblem = 'exponential' | 'polynomial' | 'too-complex';

/** Unrolled copies beyond which a counted repetition `{n,m}` is treated as `{min(n,3),}`. */
const MAX_UNROLLED = 8;
const MAX_MANDATORY = 3;
const MAX_POSITIONS = 400;
/** Edges explored in all the product searches together before giving up. */
const WORK_BUDGET = 2_000_000;

class TooComplex extends Error {}

export function backtrackingProblem(tree: RegexNode, pattern: string): BacktrackingProblem | null {
  try {
    for (const sub of [tree, ...lookaheadBodies(tree)]) {
      const problem = analyse(sub, pattern);
      if (problem) return problem;
    }
    return null;
  } catch (err) {
    if (err instanceof TooComplex) return 'too-complex';
    throw err;
  }
}

function lookaheadBodies(node: RegexNode): RegexNode[] {
  switch (node.type) {
    case 'assertion':
      return node.lookahead ? [node.lookahead, ...lookaheadBodies(node.lookahead)] : [];
    case 'sequence':
      return node.items.flatMap(lookaheadBodies);
    case 'alternation':
      return node.options.flatMap(lookaheadBodies);
    case 'repeat':
      return lookaheadBodies(node.body);
    default:
      return [];
  }
}

// ---------------------------------------------------------------------------------------------
// Glushkov construction

interface Fragment {
  first: number[];
  last: number[];
  /** Last positions after which the match can end without passing an assertion (which could fail). */
  lastFree: number[];
  nullable: boolean;
  /** Nullable without passing an assertion. */
  freeNullable: boolean;
}

class Glushkov {
  readonly sources: string[] = [];
  /** follow[p]: the positions that may come next, with how many distinct ways (2+ is ambiguity already). */
  readonly follow: Map<number, number>[] = [];

  build(node: RegexNode): Fragment {
    switch (node.type) {
      case 'char': {
        const p = this.sources.push(node.source) - 1;
        if (p >= MAX_POSITIONS) throw new TooComplex();
        this.follow.push(new Map());
        return { first: [p], last: [p], lastFree: [p], nullable: false, freeNullable: false };
      }
      case 'sequence':
        return this.sequence(node.items.map((item) => () => this.build(item)));
      case 'alternation': {
        const parts = node.options.map((o) => this.build(o));
        return {
          first: parts.flatMap((f) => f.first),
          last: parts.flatMap((f) => f.last),
          lastFree: parts.flatMap((f) => f.lastFree),
          nullable: parts.some((f) => f.nullable),
          freeNullable: parts.some((f) => f.freeNullable),
        };
      }
      case 'repeat':
        return this.repeat(node.body, node.min, node.max);
      default:
        // Zero-width: assertions and lookaheads (lookbehind and back-references are refused earlier).
        return { first: [], last: [], lastFree: [], nullable: true, freeNullable: false };
    }
  }

  private sequence(parts: (() => Fragment)[]): Fragment {
    let acc: Fragment = { first: [], last: [], lastFree: [], nullable: true, freeNullable: true };
    for (const make of parts) {
      const next = make();
      this.link(acc.last, next.first);
      acc = {
        first: acc.nullable ? [...acc.first, ...next.first] : acc.first,
        last: next.nullable ? [...next.last, ...acc.last] : next.last,
        lastFree: next.freeNullable ? [...next.lastFree, ...acc.lastFree] : next.lastFree,
        nullable: acc.nullable && next.nullable,
        freeNullable: acc.freeNullable && next.freeNullable,
      };
    }
    return acc;
  }

  private repeat(body: RegexNode, min: number, max: number): Fragment {
    const copy = () => this.build(body);
    if (max === 0) return this.sequence([]);
    if (max === Infinity || max > MAX_UNROLLED) {
      const mandatory = Math.min(min, MAX_MANDATORY);
      const loop = () => this.loop(copy(), mandatory === 0);
      return this.sequence([...Array<() => Fragment>(Math.max(mandatory - 1, 0)).fill(copy), loop]);
    }
    // X{2,4} = X X (X (X)?)?: nested, so the optional copies add no ambiguity of their own.
    const optional = (k: number): Fragment => (k === 0 ? this.sequence([]) : this.optional(this.sequence([copy, () => optional(k - 1)])));
    return this.sequence([...Array<() => Fragment>(min).fill(copy), () => optional(max - min)]);
  }

  /** X+ (or X* when `zeroOrMore`). */
  private loop(body: Fragment, zeroOrMore: boolean): Fragment {
    this.link(body.last, body.first);
    return zeroOrMore ? this.optional(body) : body;
  }

  private optional(body: Fragment): Fragment {
    return { ...body, nullable: true, freeNullable: true };
  }

  private link(from: number[], to: number[]): void {
    for (const p of from) for (const q of to) this.follow[p].set(q, (this.follow[p].get(q) ?? 0) + 1);
  }
}

// ---------------------------------------------------------------------------------------------
// Which characters each position matches, as bit sets over the probe characters

const BASE_PROBES: string[] = (() => {
  const probes: string[] = [];
  for (let cp = 0; cp < 0x100; cp++) probes.push(String.fromCharCode(cp));
  probes.push(...'ſKıİςσΣαДдЖжअ一中赌博毒品龥〇ーアあ한Ａａ０！＊😀𠀀\u0301\u0660\uE000\u3000\u2028\u2029\u200B\u200D\u2060\uFEFF\u00AD\u3164');
  return probes;
})();

function probesFor(pattern: string): string[] {
  const cps = new Set<number>();
  const add = (cp: number) => {
    for (const c of [cp - 1, cp, cp + 1]) if (c >= 0 && c <= 0x10ffff) cps.add(c);
  };
  for (const char of pattern) add(char.codePointAt(0)!);
  for (const m of pattern.matchAll(/\\u\{([0-9a-fA-F]+)\}|\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})/g)) add(parseInt(m[1] ?? m[2] ?? m[3], 16));
  const probes = new Set(BASE_PROBES);
  for (const cp of cps) {
    const char = String.fromCodePoint(cp);
    for (const variant of [char, char.toLowerCase(), char.toUpperCase()]) probes.add(variant);
  }
  return [...probes];
}

function charSets(sources: readonly string[], pattern: string): { bits: Uint32Array[]; words: number } {
  const probes = probesFor(pattern);
  const words = Math.ceil(probes.length / 32);
  const bySource = new Map<string, Uint32Array>();
  const bits = sources.map((source) => {
    let set = bySource.get(source);
    if (!set) {
      set = new Uint32Array(words);
      const matcher = new RegExp(`^(?:${source})$`, 'iu');
      probes.forEach((probe, k) => {
        if (matcher.test(probe)) set![k >> 5] |= 1 << (k & 31);
      });
      bySource.set(source, set);
    }
    return set;
  });
  return { bits, words };
}

// ---------------------------------------------------------------------------------------------
// The ambiguity tests

function analyse(tree: RegexNode, pattern: string): BacktrackingProblem | null {
  const g = new Glushkov();
  const whole = g.build(tree);
  const n = g.sources.length;
  if (n === 0) return null;
  const { bits, words } = charSets(g.sources, pattern);
  const overlaps = (p: number, q: number) => {
    for (let w = 0; w < words; w++) if (bits[p][w] & bits[q][w]) return true;
    return false;
  };
  const overlaps3 = (p: number, q: number, r: number) => {
    for (let w = 0; w < words; w++) if (bits[p][w] & bits[q][w] & bits[r][w]) return true;
    return false;
  };
  const follow = g.follow.map((m) => [...m.keys()]);
  let work = 0;
  const spend = (k: number) => {
    work += k;
    if (work > WORK_BUDGET) throw new TooComplex();
  };

  // One position graph: its strongly connected parts tell which positions loop.
  const positionComponent = components([...Array(n).keys()], (p) => follow[p]);
  const loops = (p: number) => follow[p].includes(p) || follow.some((f, q) => q !== p && positionComponent.get(q) === positionComponent.get(p));

  // Two ways along one edge of a cycle (as in (a*)*) is already exponential.
  for (let p = 0; p < n; p++)
    for (const [q, ways] of g.follow[p]) if (ways > 1 && (p === q || positionComponent.get(p) === positionComponent.get(q))) return 'exponential';

  // Exponential: a cycle of the pair graph through a diagonal pair and an off-diagonal one.
  const pairSuccessors = (v: number) => {
    const p = Math.floor(v / n);
    const q = v % n;
    const out: number[] = [];
    for (const p2 of follow[p]) for (const q2 of follow[q]) if (overlaps(p2, q2)) out.push(p2 * n + q2);
    spend(out.length + 1);
    return out;
  };
  const diagonal = [...Array(n).keys()].map((p) => p * n + p);
  const pairComponent = components(diagonal, pairSuccessors);
  const hasDiagonal = new Set<number>();
  const hasOther = new Set<number>();
  for (const [v, c] of pairComponent) (Math.floor(v / n) === v % n ? hasDiagonal : hasOther).add(c);
  for (const c of hasDiagonal) if (hasOther.has(c)) return 'exponential';

  // Polynomial: for looping p ≠ q that cannot end the match, (p,p,q) →* (p,q,q) in the triple graph.
  const free = new Set(whole.lastFree);
  const looping = [...Array(n).keys()].filter((p) => loops(p) && !free.has(p));
  for (const p of looping)
    for (const q of looping) {
      if (p === q) continue;
      const target = (p * n + q) * n + q;
      const seen = new Set<number>();
      const queue = [(p * n + p) * n + q];
      for (let k = 0; k < queue.length; k++) {
        const v = queue[k];
        const a = Math.floor(v / (n * n));
        const b = Math.floor(v / n) % n;
        const c = v % n;
        for (const a2 of follow[a])
          for (const b2 of follow[b]) {
            if (!overlaps(a2, b2)) continue;
            for (const c2 of follow[c]) {
              if (!overlaps3(a2, b2, c2)) continue;
              const w = (a2 * n + b2) * n + c2;
              if (w === target) return 'polynomial';
              if (!seen.has(w)) {
                seen.add(w);
                queue.push(w);
              }
            }
          }
        spend(follow[a].length * follow[b].length + 1);
      }
    }
  return null;
}

/** Strongly connected components (iterative Tarjan) of the part of a graph reachable from `starts`: node → component id. */
function components(starts: readonly number[], successors: (v: number) => number[]): Map<number, number> {
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const component = new Map<number, number>();
  const stack: number[] = [];
  const onStack = new Set<number>();
  let counter = 0;
  let count = 0;
  const open = (v: number, frames: { v: number; next: number[]; k: number }[]) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    frames.push({ v, next: successors(v), k: 0 });
  };
  for (const start of starts) {
    if (index.has(start)) continue;
    const frames: { v: number; next: number[]; k: number }[] = [];
    open(start, frames);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      if (frame.k < frame.next.length) {
        const w = frame.next[frame.k++];
        if (!index.has(w)) open(w, frames);
        else if (onStack.has(w)) low.set(frame.v, Math.min(low.get(frame.v)!, index.get(w)!));
        continue;
      }
      frames.pop();
      const v = frame.v;
      if (frames.length > 0) {
        const parent = frames[frames.length - 1].v;
        low.set(parent, Math.min(low.get(parent)!, low.get(v)!));
      }
      if (low.get(v) === index.get(v)) {
        let w: number;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.set(w, count);
        } while (w !== v);
        count++;
      }
    }
  }
  return component;
}
