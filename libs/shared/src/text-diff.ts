import { diffArrays } from 'diff';
import { simpleDiffArray } from 'lib0/diff';

/**
 * A character diff for people to read: what was inserted and what was removed between two texts,
 * in Chinese as in English. The unit is the user-perceived character (a grapheme cluster), so an
 * emoji, a flag, a family emoji or a letter with its accent is kept or changed whole and a
 * surrogate pair is never split. lib0's simpleDiffArray (the prefix/suffix trim Yjs uses) first
 * cuts the texts down to the one stretch that differs; jsdiff's Myers diff then finds the
 * separate changes inside it, and very short runs left equal between two changes are folded into
 * the change, so that "cat sat" → "dog ran" reads as one replacement rather than a confetti of
 * single letters.
 */

export type TextDiffOp = 'equal' | 'insert' | 'delete';

export interface TextDiffPart {
  op: TextDiffOp;
  text: string;
}

/**
 * Beyond this many inserted plus removed characters (inside the stretch that differs) the stretch
 * is shown as replaced whole. Such a stretch reads as a rewrite anyway, and the bound keeps Myers'
 * O((N+M)·D) work to a few milliseconds for the longest scene texts.
 */
const MAX_EDIT_LENGTH = 300;

interface SegmenterLike {
  segment(input: string): Iterable<{ segment: string }>;
}
type SegmenterCtor = new (locale?: string, options?: { granularity: 'grapheme' }) => SegmenterLike;

const Segmenter = (globalThis as { Intl?: { Segmenter?: SegmenterCtor } }).Intl?.Segmenter;
const segmenter: SegmenterLike | null = Segmenter ? new Segmenter(undefined, { granularity: 'grapheme' }) : null;

/** The user-perceived characters of `text`; whole code points where Intl.Segmenter is missing. */
export function graphemes(text: string): string[] {
  if (!segmenter) return Array.from(text);
  const out: string[] = [];
  for (const s of segmenter.segment(text)) out.push(s.segment);
  return out;
}

interface Run {
  op: TextDiffOp;
  chars: string[];
}

/** Length of the common prefix of `a` and `b` (from the end when `fromEnd`). */
function common(a: string[], b: string[], fromEnd: boolean): number {
  const n = Math.min(a.length, b.length);
  let k = 0;
  while (k < n && (fromEnd ? a[a.length - 1 - k] === b[b.length - 1 - k] : a[k] === b[k])) k++;
  return k;
}

/**
 * Adjacent runs of one op joined; within each stretch of changes every deletion goes before every
 * insertion, and what the deletion and the insertion begin or end with alike is moved out into
 * the equal text around them.
 */
function normalise(runs: Run[]): Run[] {
  const out: Run[] = [];
  const push = (op: TextDiffOp, chars: string[]) => {
    if (chars.length === 0) return;
    const last = out[out.length - 1];
    if (last?.op === op) last.chars = last.chars.concat(chars);
    else out.push({ op, chars: [...chars] });
  };
  let del: string[] = [];
  let ins: string[] = [];
  const flush = () => {
    const head = common(del, ins, false);
    const tail = common(del.slice(head), ins.slice(head), true);
    push('equal', del.slice(0, head));
    push('delete', del.slice(head, del.length - tail));
    push('insert', ins.slice(head, ins.length - tail));
    push('equal', del.slice(del.length - tail));
    del = [];
    ins = [];
  };
  for (const r of runs) {
    if (r.op === 'delete') del = del.concat(r.chars);
    else if (r.op === 'insert') ins = ins.concat(r.chars);
    else {
      flush();
      push('equal', r.chars);
    }
  }
  flush();
  return out;
}

/** How many characters a stretch of changes (the delete and insert runs between two equal runs) removes and inserts, the larger of the two. */
function changeWeight(runs: Run[], from: number, step: 1 | -1): number {
  let del = 0;
  let ins = 0;
  for (let i = from; i >= 0 && i < runs.length && runs[i].op !== 'equal'; i += step) {
    if (runs[i].op === 'delete') del += runs[i].chars.length;
    else ins += runs[i].chars.length;
  }
  return Math.max(del, ins);
}

/**
 * Folds an equal run into the changes around it when it is no longer than the change on either
 * side (diff-match-patch's semantic clean-up rule): such a run is a coincidence of the two texts,
 * not something the editor kept. Repeats until nothing folds.
 */
function foldCoincidences(input: Run[]): Run[] {
  let runs = input;
  for (;;) {
    let folded = false;
    const next: Run[] = [];
    for (let i = 0; i < runs.length; i++) {
      const r = runs[i];
      const inner = r.op === 'equal' && i > 0 && i < runs.length - 1;
      if (inner && !folded && r.chars.length <= changeWeight(runs, i - 1, -1) && r.chars.length <= changeWeight(runs, i + 1, 1)) {
        next.push({ op: 'delete', chars: r.chars }, { op: 'insert', chars: r.chars });
        folded = true;
      } else next.push(r);
    }
    if (!folded) return runs;
    const merged = normalise(next);
    // Each fold must leave fewer runs; one that does not (the clean-up above moved the text back) ends the folding.
    if (merged.length >= runs.length) return runs;
    runs = merged;
  }
}

/**
 * The parts that turn `before` into `after`: the equal parts, and within each change the removed
 * text before the inserted text. Joining the equal and delete parts gives `before`; joining the
 * equal and insert parts gives `after`. Equal texts give one equal part ([] when both are empty).
 */
export function charDiff(before: string, after: string): TextDiffPart[] {
  if (before === after) return before ? [{ op: 'equal', text: before }] : [];
  const a = graphemes(before);
  const b = graphemes(after);
  const { index, remove, insert } = simpleDiffArray(a, b);
  const removed = a.slice(index, index + remove);
  const runs: Run[] = [{ op: 'equal', chars: a.slice(0, index) }];
  if (removed.length === 0 || insert.length === 0 || editsAtLeast(removed, insert) > MAX_EDIT_LENGTH) {
    runs.push({ op: 'delete', chars: removed }, { op: 'insert', chars: insert });
  } else {
    const changes = diffArrays(removed, insert, { maxEditLength: MAX_EDIT_LENGTH });
    if (changes) for (const c of changes) runs.push({ op: c.added ? 'insert' : c.removed ? 'delete' : 'equal', chars: c.value });
    else runs.push({ op: 'delete', chars: removed }, { op: 'insert', chars: insert });
  }
  runs.push({ op: 'equal', chars: a.slice(index + remove) });
  return foldCoincidences(normalise(runs)).map((r) => ({ op: r.op, text: r.chars.join('') }));
}

/** A lower bound of the characters removed plus inserted: whatever the two do not share, counted with repeats, must change. */
function editsAtLeast(a: string[], b: string[]): number {
  const counts = new Map<string, number>();
  for (const c of a) counts.set(c, (counts.get(c) ?? 0) + 1);
  let shared = 0;
  for (const c of b) {
    const n = counts.get(c) ?? 0;
    if (n > 0) {
      shared++;
      counts.set(c, n - 1);
    }
  }
  return a.length + b.length - 2 * shared;
}
