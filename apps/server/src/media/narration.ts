import { join } from 'node:path';
import { probeMedia, synthesizeSpeech, type SpeechLanguage } from '@reelcraft/inference';
import { MAX_NARRATION_TEMPO } from './audio-mix';
import type { SubtitleCue, SubtitleScene } from './subtitles';

export interface SpokenLine {
  sceneNumber: number;
  /** The WAV espeak-ng wrote. */
  path: string;
  /** Its cue's start on the video's timeline, seconds. */
  start: number;
  /** Speed-up that fits the line into its cue (1 when it fits as spoken, at most MAX_NARRATION_TEMPO). */
  tempo: number;
}

/** espeak-ng is quick; two at a time keep a 2-core machine busy without starving ffmpeg. */
const CONCURRENCY = 2;
/** A line may fill this share of its cue, so the next one does not start on its last syllable. */
const FILL = 0.95;

/**
 * Speaks the subtitle of every cue into its own WAV in `dir`, one line per scene, placed where its
 * cue starts. A line longer than its cue is sped up to fit (up to MAX_NARRATION_TEMPO; beyond that
 * it runs on into the next cue rather than losing words).
 */
export async function speakCues(
  cues: readonly SubtitleCue[],
  scenes: readonly SubtitleScene[],
  opts: { language: SpeechLanguage; dir: string; signal?: AbortSignal },
): Promise<SpokenLine[]> {
  // Words the content filter masked are left unsaid, not read out as asterisks.
  const text = new Map(scenes.map((s) => [s.scene_number, unmaskedSpeech(s.subtitle)]));
  const lines: SpokenLine[] = new Array(cues.length);
  let next = 0;
  let failed = false;
  let failure: unknown;
  const worker = async () => {
    while (!failed && next < cues.length) {
      const i = next++;
      const cue = cues[i]!;
      const path = join(opts.dir, `narration-${i + 1}.wav`);
      try {
        await synthesizeSpeech(text.get(cue.sceneNumber) ?? cue.lines.join(' '), { language: opts.language, outPath: path, signal: opts.signal });
        const spoken = (await probeMedia(path, { signal: opts.signal })).duration;
        const room = (cue.end - cue.start) * FILL;
        lines[i] = { sceneNumber: cue.sceneNumber, path, start: cue.start, tempo: Math.min(MAX_NARRATION_TEMPO, Math.max(1, spoken / room)) };
      } catch (err) {
        failure = failed ? failure : err;
        failed = true;
      }
    }
  };
  // Every worker has stopped before this returns or throws, so none writes into a folder being removed.
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, cues.length) }, worker));
  if (failed) throw failure;
  return lines;
}

/** The line without the content filter's mask characters (＊), which a TTS would read out. */
export function unmaskedSpeech(line: string): string {
  return line.replace(/＊+/g, ' ').replace(/\s{2,}/g, ' ').trim();
}
