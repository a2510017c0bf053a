import { describe, expect, it } from 'vitest';
import { DUCKING, audioGraph } from './audio-mix';

const music = { input: 3, volume: 0.5, fadeInSec: 1, fadeOutSec: 2 };

describe('audioGraph', () => {
  it('is null for a silent video', () => {
    expect(audioGraph({ total: 6, music: null, narration: [] })).toBeNull();
  });

  it('trims the music to the video, sets its volume and ends its fade-out with the picture', () => {
    const g = audioGraph({ total: 10, music, narration: [] })!.join(';');
    expect(g).toContain('[3:a]atrim=duration=10.000,asetpts=PTS-STARTPTS,volume=0.5000,afade=t=in:st=0:d=1.000,afade=t=out:st=8.000:d=2.000,');
    expect(g).toMatch(/\[music\]anull\[a\]$/);
  });

  it('shortens the fades of a short video and leaves out fades of 0 s', () => {
    expect(audioGraph({ total: 2, music, narration: [] })!.join(';')).toContain('afade=t=in:st=0:d=0.500,afade=t=out:st=1.500:d=0.500');
    const g = audioGraph({ total: 6, music: { ...music, volume: 1, fadeInSec: 0, fadeOutSec: 0 }, narration: [] })!.join(';');
    expect(g).not.toMatch(/afade|volume=/);
  });

  it('places each narration line at its cue and mixes them without scaling them down', () => {
    const g = audioGraph({
      total: 6,
      music: null,
      narration: [
        { input: 1, start: 0, tempo: 1 },
        { input: 2, start: 1.75, tempo: 1.2 },
      ],
    })!;
    expect(g[0]).toMatch(/^\[1:a\].*adelay=delays=0:all=1\[line0\]$/);
    expect(g[1]).toMatch(/^\[2:a\].*atempo=1\.2000,.*adelay=delays=1750:all=1\[line1\]$/);
    expect(g[2]).toBe('[line0][line1]amix=inputs=2:normalize=0:dropout_transition=0,apad,atrim=duration=6.000,asetpts=PTS-STARTPTS[voice]');
    expect(g.at(-1)).toBe('[voice]anull[a]');
  });

  it('ducks the music under the voice with the narration as the sidechain', () => {
    const g = audioGraph({ total: 6, music, narration: [{ input: 1, start: 0.5, tempo: 1 }] })!;
    expect(g).toContain('[voice]asplit=2[voice_key][voice_out]');
    expect(g).toContain(`[music][voice_key]sidechaincompress=threshold=${DUCKING.threshold}:ratio=${DUCKING.ratio}:attack=${DUCKING.attack}:release=${DUCKING.release}[ducked]`);
    expect(g.at(-1)).toBe('[ducked][voice_out]amix=inputs=2:normalize=0:duration=first:dropout_transition=0[a]');
  });
});
