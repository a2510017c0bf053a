import { describe, expect, it } from 'vitest';
import { concatListFile, escapeFilterValue } from './ffmpeg-escape';

describe('escapeFilterValue', () => {
  it('leaves a plain path alone', () => {
    expect(escapeFilterValue('/data/tasks/42/subtitles.ass')).toBe('/data/tasks/42/subtitles.ass');
  });

  it('escapes for the option parser, then for the graph parser', () => {
    // ':' → '\:' (option level) → '\\:' (the graph level escapes the backslash; ':' is not special there).
    expect(escapeFilterValue('a:b')).toBe('a\\\\:b');
    expect(escapeFilterValue("it's")).toBe("it\\\\\\'s");
    expect(escapeFilterValue('a\\b')).toBe('a\\\\\\\\b');
    // Graph-level only.
    expect(escapeFilterValue('[x], y;z')).toBe('\\[x\\]\\, y\\;z');
  });
});

describe('concatListFile', () => {
  it('quotes each path and escapes single quotes the shell way', () => {
    expect(concatListFile(['/a/b c.mp4', "/x/it's.mp4"])).toBe(
      "ffconcat version 1.0\nfile '/a/b c.mp4'\nfile '/x/it'\\''s.mp4'\n",
    );
  });

  it('refuses a path with a line break', () => {
    expect(() => concatListFile(['/a/b\nc.mp4'])).toThrow(/line break/);
  });
});
