/**
 * A small reader for the regular expressions admins write, just enough to reason about how they
 * backtrack: which parts read one character, which repeat, which branch, which are zero-width.
 * It expects a pattern that already compiles with the `u` flag (so the syntax is the strict one)
 * and keeps each one-character part's source, so the analysis can ask V8 what it matches.
 */
export type RegexNode =
  /** Reads exactly one character: a literal, an escape like `\d` or `\p{L}`, a class, `.`. */
  | { type: 'char'; source: string }
  /** Zero-width: `^`, `$`, `\b`, `\B`, and lookaheads (their bodies are checked on their own). */
  | { type: 'assertion'; lookahead?: RegexNode }
  | { type: 'lookbehind' }
  | { type: 'backreference' }
  | { type: 'sequence'; items: RegexNode[] }
  | { type: 'alternation'; options: RegexNode[] }
  | { type: 'repeat'; body: RegexNode; min: number; max: number };

export function parseRegex(pattern: string): RegexNode {
  const reader = new Reader(pattern);
  const node = reader.alternation();
  if (!reader.done()) throw new SyntaxError(`unexpected ${pattern[reader.at]} at ${reader.at}`);
  return node;
}

class Reader {
  at = 0;
  constructor(private readonly src: string) {}

  done(): boolean {
    return this.at >= this.src.length;
  }

  alternation(): RegexNode {
    const options = [this.sequence()];
    while (this.src[this.at] === '|') {
      this.at++;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0] : { type: 'alternation', options };
  }

  private sequence(): RegexNode {
    const items: RegexNode[] = [];
    while (!this.done() && this.src[this.at] !== '|' && this.src[this.at] !== ')') items.push(this.quantified(this.atom()));
    return items.length === 1 ? items[0] : { type: 'sequence', items };
  }

  private atom(): RegexNode {
    const src = this.src;
    const start = this.at;
    const c = src[this.at++];
    if (c === '^' || c === '$') return { type: 'assertion' };
    if (c === '.') return { type: 'char', source: '.' };
    if (c === '[') {
      while (src[this.at] !== ']') this.at += src[this.at] === '\\' ? 2 : 1;
      this.at++;
      return { type: 'char', source: src.slice(start, this.at) };
    }
    if (c === '(') return this.group();
    if (c === '\\') return this.escape(start);
    const cp = src.codePointAt(start)!;
    this.at = start + (cp > 0xffff ? 2 : 1);
    return { type: 'char', source: src.slice(start, this.at) };
  }

  private group(): RegexNode {
    const src = this.src;
    let kind: 'plain' | 'lookahead' | 'lookbehind' = 'plain';
    if (src.startsWith('?=', this.at) || src.startsWith('?!', this.at)) {
      kind = 'lookahead';
      this.at += 2;
    } else if (src.startsWith('?<=', this.at) || src.startsWith('?<!', this.at)) {
      kind = 'lookbehind';
      this.at += 3;
    } else if (src.startsWith('?<', this.at)) this.at = src.indexOf('>', this.at) + 1;
    else if (src[this.at] === '?') this.at = src.indexOf(':', this.at) + 1; // (?:…), and modifiers like (?i:…)
    const body = this.alternation();
    this.at++; // ')'
    if (kind === 'lookahead') return { type: 'assertion', lookahead: body };
    if (kind === 'lookbehind') return { type: 'lookbehind' };
    return body;
  }

  private escape(start: number): RegexNode {
    const src = this.src;
    const c = src[this.at++];
    if (c === 'b' || c === 'B') return { type: 'assertion' };
    if (c === 'k' || (c >= '1' && c <= '9')) {
      if (c === 'k') this.at = src.indexOf('>', this.at) + 1;
      else while (/[0-9]/.test(src[this.at] ?? '')) this.at++;
      return { type: 'backreference' };
    }
    if (c === 'p' || c === 'P' || (c === 'u' && src[this.at] === '{')) this.at = src.indexOf('}', this.at) + 1;
    else if (c === 'u') {
      const unit = parseInt(src.slice(this.at, this.at + 4), 16);
      this.at += 4;
      // A surrogate pair written as two escapes is one character.
      if (unit >= 0xd800 && unit <= 0xdbff && /^\\u[dD][c-fC-F][0-9a-fA-F]{2}/.test(src.slice(this.at))) this.at += 6;
    } else if (c === 'x') this.at += 2;
    else if (c === 'c') this.at += 1;
    return { type: 'char', source: src.slice(start, this.at) };
  }

  private quantified(atom: RegexNode): RegexNode {
    const src = this.src;
    let min: number;
    let max: number;
    const c = src[this.at];
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(this.at));
      if (!m) return atom;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      this.at += m[0].length - 1;
    } else return atom;
    this.at++;
    if (src[this.at] === '?') this.at++; // lazy: the same paths, tried in another order
    return { type: 'repeat', body: atom, min, max };
  }
}
