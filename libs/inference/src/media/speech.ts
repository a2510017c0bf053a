import { rm, writeFile } from 'node:fs/promises';
import type { Language } from '@reelcraft/shared';
import { runTool } from './run-tool';

/** The narration languages: a storyboard's. */
export type SpeechLanguage = Language;

/**
 * espeak-ng voices. Mandarin is `cmn-latn-pinyin`: plain `cmn` reads the pinyin it derives from
 * the characters as English ("sēn lín" comes out as "sen lin" in English letters).
 */
export const SPEECH_VOICES: Readonly<Record<SpeechLanguage, string>> = { zh: 'cmn-latn-pinyin', en: 'en-us' };

export const ESPEAK_BIN = 'espeak-ng';
const INSTALL_HINT = 'Narration needs espeak-ng: apt-get install espeak-ng (scripts/install.sh installs it).';

const CJK = /[\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF]/u;

/**
 * The voice for one line. `language` decides; a line wholly in the other script is read by that
 * script's voice, because the Mandarin voice reads Latin letters as pinyin and the English one
 * spells Chinese characters out as "Chinese letter".
 */
export function speechVoice(language: SpeechLanguage, text: string): string {
  const hasCjk = CJK.test(text);
  if (language === 'zh' && !hasCjk && /[A-Za-z]/.test(text)) return SPEECH_VOICES.en;
  if (language === 'en' && hasCjk) return SPEECH_VOICES.zh;
  return SPEECH_VOICES[language];
}

export interface SynthesizeOptions {
  language: SpeechLanguage;
  /** The WAV file to write (mono, 22.05 kHz, as espeak-ng writes it). */
  outPath: string;
  signal?: AbortSignal;
}

/**
 * Speaks one line into a WAV file with the local espeak-ng (`-w`). The text goes through a file,
 * so any text (a leading "-", quotes, line breaks) is read as text and never as an option.
 */
export async function synthesizeSpeech(text: string, opts: SynthesizeOptions): Promise<void> {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line === '') throw new Error('synthesizeSpeech: nothing to say');
  const textPath = `${opts.outPath}.txt`;
  await writeFile(textPath, line, 'utf8');
  try {
    await runTool(ESPEAK_BIN, ['-v', speechVoice(opts.language, line), '-b', '1', '-f', textPath, '-w', opts.outPath], {
      what: `speaking "${line.length > 40 ? `${line.slice(0, 40)}…` : line}"`,
      signal: opts.signal,
      missingHint: INSTALL_HINT,
    });
  } catch (err) {
    await rm(opts.outPath, { force: true });
    throw err;
  } finally {
    await rm(textPath, { force: true });
  }
}
