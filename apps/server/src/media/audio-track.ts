import { createHash } from 'node:crypto';
import { probeMedia, runFfmpeg, sha256File, type FfmpegInput, type SpeechLanguage } from '@reelcraft/inference';
import { audioGraph, type MusicMix } from './audio-mix';
import { speakCues } from './narration';
import type { SegmentCache } from './segment-cache';
import type { SubtitleCue, SubtitleScene } from './subtitles';

/**
 * The finished video's audio (music and/or narration, mixed by audioGraph) as an AAC track of its
 * own, cached like the picture's segments: a one-scene edit that keeps the video's length and the
 * subtitles leaves the audio as it was, and then neither espeak-ng nor the AAC encoder runs again.
 */

/** Bumped whenever the same inputs would give a different track (graph, encoder settings). */
const AUDIO_FORMAT = 1;
export const AAC = ['-c:a', 'aac', '-b:a', '192k'] as const;

export interface AudioTrackRequest {
  /** The video's length: the track is cut (or padded) to it. */
  total: number;
  music: (Omit<MusicMix, 'input'> & { path: string }) | null;
  /** Speak each cue (the scenes give the text spoken), in this language. */
  narration: { cues: readonly SubtitleCue[]; scenes: readonly SubtitleScene[]; language: SpeechLanguage } | null;
  cache: SegmentCache;
  /** Scratch folder for the narration's WAV files. */
  tmp: string;
  signal?: AbortSignal;
}

export interface AudioTrack {
  path: string;
  reused: boolean;
  /** Lines spoken into it. */
  narratedLines: number;
}

/** The track from the cache or newly mixed and encoded; null when the video is silent. */
export async function audioTrack(r: AudioTrackRequest): Promise<AudioTrack | null> {
  const narration = r.narration && r.narration.cues.length > 0 ? r.narration : null;
  if (!r.music && !narration) return null;
  const { signal } = r;
  const material = {
    v: AUDIO_FORMAT,
    aac: AAC,
    total: r.total.toFixed(3),
    music: r.music ? { sha256: await sha256File(r.music.path), volume: r.music.volume, fadeInSec: r.music.fadeInSec, fadeOutSec: r.music.fadeOutSec } : null,
    // What speakCues reads: each cue's place and scene, and the scenes' texts and language.
    narration: narration
      ? { language: narration.language, cues: narration.cues.map((c) => [c.sceneNumber, c.start, c.end, c.lines]), texts: narration.scenes.map((s) => [s.scene_number, s.subtitle]) }
      : null,
  };
  const key = createHash('sha256').update(JSON.stringify(material)).digest('hex');
  const narratedLines = narration?.cues.length ?? 0;
  const hit = await r.cache.get(key, 'm4a');
  if (hit) return { path: hit, reused: true, narratedLines };

  if (r.music) {
    const probe = await probeMedia(r.music.path, { signal });
    // An empty audio stream would make `-stream_loop -1` spin forever without producing samples.
    if (!probe.audio || !(probe.audio.duration > 0.05)) throw new Error(`music file has no usable audio stream: ${r.music.path}`);
  }
  const spoken = narration ? await speakCues(narration.cues, narration.scenes, { language: narration.language, dir: r.tmp, signal }) : [];
  const inputs: FfmpegInput[] = [];
  const add = (input: FfmpegInput) => inputs.push(input) - 1;
  const lines = spoken.map((line) => ({ input: add({ source: line.path }), start: line.start, tempo: line.tempo }));
  // Looped so music shorter than the video still covers it; atrim then cuts it to the video.
  const music = r.music ? { ...r.music, input: add({ source: r.music.path, options: ['-stream_loop', '-1'] }) } : null;
  const graph = audioGraph({ total: r.total, music, narration: lines })!;
  const path = await r.cache.put(
    key,
    (out) =>
      runFfmpeg(
        {
          inputs,
          filterGraph: graph,
          output: out,
          outputOptions: ['-map', '[a]', ...AAC, '-t', r.total.toFixed(3), '-f', 'mp4'],
          what: `mixing the audio (${[music ? 'music' : null, lines.length > 0 ? 'narration' : null].filter(Boolean).join(', ')})`,
        },
        { signal },
      ).then(() => undefined),
    'm4a',
  );
  return { path, reused: false, narratedLines: spoken.length };
}
