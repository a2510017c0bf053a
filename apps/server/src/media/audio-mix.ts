/**
 * The audio of the final video as ffmpeg filter chains: background music (looped or trimmed to the
 * picture, with its volume and fades), narration (one spoken line per subtitle cue, each starting
 * at its cue), and, when both are there, the music ducked under the voice by a sidechain
 * compressor that listens to the narration.
 */

export interface MusicMix {
  /** ffmpeg input number of the music (opened with `-stream_loop -1`, so it never runs out). */
  input: number;
  /** 0..1, applied before the fades. */
  volume: number;
  fadeInSec: number;
  fadeOutSec: number;
}

export interface NarrationLineMix {
  /** ffmpeg input number of the line's WAV. */
  input: number;
  /** Where the line starts on the video's timeline (its cue's start), seconds. */
  start: number;
  /** Speed-up (atempo) that fits a long line into its cue; 1 for none. */
  tempo: number;
}

export interface AudioMix {
  /** The video's length: every track is cut (or padded) to it. */
  total: number;
  music: MusicMix | null;
  narration: readonly NarrationLineMix[];
}

/**
 * The ducking: the sidechain compressor pulls the music down by up to (1 − 1/ratio) of how far
 * the voice is above the threshold (−34 dBFS), so a line spoken at about −18 dB lowers the music
 * by roughly 14 dB; it lets go over release ms after the voice stops.
 */
export const DUCKING = { threshold: 0.02, ratio: 8, attack: 15, release: 350 } as const;
/** espeak-ng peaks near 0 dBFS; a little headroom keeps voice plus ducked music from clipping. */
export const NARRATION_GAIN = 0.85;
/** The longest fit: faster than this, espeak-ng's speech stops being intelligible. */
export const MAX_NARRATION_TEMPO = 1.5;

const STEREO_48K = 'aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo';

/** Filter chains ending in the label `[a]`, or null when the video is silent. */
export function audioGraph(mix: AudioMix): string[] | null {
  const T = sec(mix.total);
  const graph: string[] = [];
  if (mix.music) {
    const m = mix.music;
    // Short videos get shorter fades, so the two never overlap.
    const fadeIn = Math.min(m.fadeInSec, mix.total / 4);
    const fadeOut = Math.min(m.fadeOutSec, mix.total / 4);
    const chain = [
      `atrim=duration=${T}`,
      'asetpts=PTS-STARTPTS',
      ...(m.volume !== 1 ? [`volume=${m.volume.toFixed(4)}`] : []),
      ...(fadeIn > 0 ? [`afade=t=in:st=0:d=${sec(fadeIn)}`] : []),
      // The fade-out ends exactly with the picture (MEDIA-FACTS).
      ...(fadeOut > 0 ? [`afade=t=out:st=${sec(mix.total - fadeOut)}:d=${sec(fadeOut)}`] : []),
      STEREO_48K,
    ];
    graph.push(`[${m.input}:a]${chain.join(',')}[music]`);
  }
  if (mix.narration.length > 0) {
    mix.narration.forEach((line, i) => {
      const tempo = line.tempo > 1.001 ? `,atempo=${line.tempo.toFixed(4)}` : '';
      graph.push(`[${line.input}:a]aresample=48000,${STEREO_48K}${tempo},volume=${NARRATION_GAIN},adelay=delays=${Math.round(line.start * 1000)}:all=1[line${i}]`);
    });
    const lines = mix.narration.map((_, i) => `[line${i}]`).join('');
    // normalize=0: amix would otherwise divide every line by the number of inputs.
    const mixed = mix.narration.length > 1 ? `${lines}amix=inputs=${mix.narration.length}:normalize=0:dropout_transition=0,` : lines;
    graph.push(`${mixed}apad,atrim=duration=${T},asetpts=PTS-STARTPTS[voice]`);
  }

  if (mix.music && mix.narration.length > 0) {
    const d = DUCKING;
    graph.push(
      '[voice]asplit=2[voice_key][voice_out]',
      `[music][voice_key]sidechaincompress=threshold=${d.threshold}:ratio=${d.ratio}:attack=${d.attack}:release=${d.release}[ducked]`,
      '[ducked][voice_out]amix=inputs=2:normalize=0:duration=first:dropout_transition=0[a]',
    );
  } else if (mix.music) {
    graph.push('[music]anull[a]');
  } else if (mix.narration.length > 0) {
    graph.push('[voice]anull[a]');
  } else {
    return null;
  }
  return graph;
}

function sec(n: number): string {
  return n.toFixed(3);
}
