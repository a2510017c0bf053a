import * as Y from 'yjs';
import { DEFAULT_MUSIC, DEFAULT_OUTPUT, emptyStoryboard, readStoryboard, storyboardRoot, writeStoryboard } from '@reelcraft/shared';
import { describe, expect, it } from 'vitest';
import { readDelivery, setMusic, setOutput } from './delivery';

function docWithStoryboard(): Y.Doc {
  const doc = new Y.Doc();
  writeStoryboard(doc, emptyStoryboard('Forest', 'en'));
  return doc;
}

describe('delivery settings in the live storyboard', () => {
  it("creates the whole 'output' map on the first change, so the storyboard stays valid", () => {
    const doc = docWithStoryboard();
    expect(storyboardRoot(doc).get('output')).toBeUndefined();
    expect(readDelivery(doc).output).toEqual(DEFAULT_OUTPUT);
    setOutput(doc, { burn_subtitles: false });
    expect(storyboardRoot(doc).get('output')).toBeInstanceOf(Y.Map);
    const read = readStoryboard(doc);
    expect(read.ok).toBe(true);
    expect(read.ok && read.value.output).toEqual({ ...DEFAULT_OUTPUT, burn_subtitles: false });
  });

  it('changes several keys in one transaction, tagged with the origin', () => {
    const doc = docWithStoryboard();
    const origins: unknown[] = [];
    doc.on('afterTransaction', (tr: Y.Transaction) => origins.push(tr.origin));
    const origin = { studio: 'local-edit' };
    setOutput(doc, { subtitle_scale: 1.5, subtitle_position: 'top', narration: true, caption_card: false }, origin);
    expect(origins).toEqual([origin]);
    expect(readDelivery(doc).output).toEqual({ burn_subtitles: true, subtitle_scale: 1.5, subtitle_position: 'top', narration: true, caption_card: false });
  });

  it('brings numbers into range and leaves out values the schema refuses', () => {
    const doc = docWithStoryboard();
    setOutput(doc, { subtitle_scale: 7, subtitle_position: 'left' as never });
    setMusic(doc, { volume: -1, fade_in_sec: 99, fade_out_sec: Number.NaN });
    const { output, music } = readDelivery(doc);
    expect([output.subtitle_scale, output.subtitle_position]).toEqual([2, 'bottom']);
    expect([music.volume, music.fade_in_sec, music.fade_out_sec]).toEqual([0, 10, DEFAULT_MUSIC.fade_out_sec]);
    expect(readStoryboard(doc).ok).toBe(true);
  });

  it("sets the music keys on the existing 'music' map, keeping the track", () => {
    const doc = docWithStoryboard();
    const before = storyboardRoot(doc).get('music');
    setMusic(doc, { enabled: true, volume: 0.35, fade_in_sec: 2, fade_out_sec: 3 });
    expect(storyboardRoot(doc).get('music')).toBe(before);
    const read = readStoryboard(doc);
    expect(read.ok && read.value.music).toEqual({ ...DEFAULT_MUSIC, enabled: true, volume: 0.35, fade_in_sec: 2, fade_out_sec: 3 });
  });

  it('reaches another copy of the document like any edit', () => {
    const a = docWithStoryboard();
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    setOutput(a, { narration: true });
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
    expect(readDelivery(b).output.narration).toBe(true);
  });

  it('does nothing to a document that holds no storyboard yet', () => {
    const doc = new Y.Doc();
    setOutput(doc, { narration: true });
    expect(storyboardRoot(doc).size).toBe(0);
  });
});
