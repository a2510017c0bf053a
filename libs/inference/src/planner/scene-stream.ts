/**
 * Finds the scene objects in a storyboard's JSON while it is still being generated: feed it text
 * chunks, and it returns each element of the top-level "scenes" array as soon as that object's
 * closing brace arrives. It tracks only nesting, strings and keys, never building the document.
 */
interface Frame {
  kind: 'object' | 'array';
  /** For an object: the last key read. For any frame: the key it is the value of. */
  key?: string;
  parentKey?: string;
  expectKey: boolean;
  start: number;
}

export class SceneStreamScanner {
  private text = '';
  private pos = 0;
  private stack: Frame[] = [];
  private inString = false;
  private escaped = false;
  private stringStart = 0;

  /** `plan`: scenes are the root object's "scenes" array; `array`: the root is the array of scenes. */
  constructor(private readonly root: 'plan' | 'array' = 'plan') {}

  /** Adds generated text; returns the raw JSON text of each scene object completed by it. */
  push(chunk: string): string[] {
    this.text += chunk;
    const done: string[] = [];
    for (; this.pos < this.text.length; this.pos++) {
      const c = this.text[this.pos]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') {
          this.inString = false;
          const top = this.stack[this.stack.length - 1];
          if (top?.kind === 'object' && top.expectKey) {
            try {
              top.key = JSON.parse(this.text.slice(this.stringStart, this.pos + 1)) as string;
            } catch {
              top.key = undefined;
            }
          }
        }
        continue;
      }
      const top = this.stack[this.stack.length - 1];
      switch (c) {
        case '"':
          this.inString = true;
          this.stringStart = this.pos;
          break;
        case '{':
        case '[':
          this.stack.push({ kind: c === '{' ? 'object' : 'array', parentKey: top?.kind === 'object' ? top.key : undefined, expectKey: c === '{', start: this.pos });
          break;
        case '}':
        case ']': {
          const closed = this.stack.pop();
          const parent = this.stack[this.stack.length - 1];
          if (closed?.kind === 'object' && this.inScenesArray(parent)) done.push(this.text.slice(closed.start, this.pos + 1));
          break;
        }
        case ':':
          if (top?.kind === 'object') top.expectKey = false;
          break;
        case ',':
          if (top?.kind === 'object') top.expectKey = true;
          break;
      }
    }
    return done;
  }

  /** The "scenes" array of the root object (depth 2), or for a bare array of scenes the root itself. */
  private inScenesArray(frame: Frame | undefined): boolean {
    if (frame?.kind !== 'array') return false;
    const depth = this.stack.length;
    return this.root === 'plan' ? depth === 2 && frame.parentKey === 'scenes' : depth === 1;
  }

  /** Everything pushed so far. */
  get received(): string {
    return this.text;
  }
}
