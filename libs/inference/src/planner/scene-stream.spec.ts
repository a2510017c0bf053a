import { describe, expect, it } from 'vitest';
import { SceneStreamScanner } from './scene-stream';

describe('SceneStreamScanner', () => {
  it('yields each scene object of the root "scenes" array as soon as it closes, however the text is chunked', () => {
    const doc = JSON.stringify({
      title: 'a "scenes": [{ trap }',
      extra: { scenes: [{ nested: true }] },
      scenes: [
        { scene_number: 1, description: 'braces } and ] and \\" inside', camera: { shot: 'wide' } },
        { scene_number: 2, description: '城市 {夜}', camera: { shot: 'aerial' } },
      ],
    });
    for (const size of [1, 3, 7, doc.length]) {
      const scanner = new SceneStreamScanner();
      const seen: Array<{ at: number; scene: unknown }> = [];
      for (let i = 0; i < doc.length; i += size) {
        for (const raw of scanner.push(doc.slice(i, i + size))) seen.push({ at: i + size, scene: JSON.parse(raw) });
      }
      expect(seen.map((s) => s.scene)).toEqual(JSON.parse(doc).scenes);
      // The first scene arrives before the document ends.
      if (size < doc.length) expect(seen[0]!.at).toBeLessThan(doc.length);
    }
  });

  it('reads a bare array of scenes in array mode, and nothing from an unfinished object', () => {
    const scanner = new SceneStreamScanner('array');
    expect(scanner.push('[{"a":1},{"b":[{"c":2}]}')).toEqual(['{"a":1}', '{"b":[{"c":2}]}']);
    expect(scanner.push(',{"d":"}')).toEqual([]);
  });
});
