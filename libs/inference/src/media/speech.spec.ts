import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { measureVolume } from './loudness';
import { probeMedia } from './probe';
import { SPEECH_VOICES, speechVoice, synthesizeSpeech } from './speech';

describe('speechVoice', () => {
  it('reads Chinese with the pinyin Mandarin voice and English with the English one', () => {
    expect(speechVoice('zh', '森林里有一条河流')).toBe('cmn-latn-pinyin');
    expect(speechVoice('en', 'The river runs to the sea')).toBe('en-us');
    expect(SPEECH_VOICES).toEqual({ zh: 'cmn-latn-pinyin', en: 'en-us' });
  });

  it('gives a line wholly in the other script to that script’s voice', () => {
    expect(speechVoice('zh', 'The river runs to the sea')).toBe('en-us');
    expect(speechVoice('en', '河流')).toBe('cmn-latn-pinyin');
    // Mixed lines and lines without letters keep the video's voice.
    expect(speechVoice('zh', '河流 river')).toBe('cmn-latn-pinyin');
    expect(speechVoice('zh', '2025!')).toBe('cmn-latn-pinyin');
  });
});

describe('synthesizeSpeech (real espeak-ng)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'reelcraft-speech-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  afterEach(() => vi.unstubAllEnvs());

  it.each([
    ['zh', '森林里有一条河流'],
    ['en', '-v The river runs to the sea'],
  ] as const)('speaks a %s line into an audible WAV (text that looks like an option stays text)', async (language, text) => {
    const out = join(dir, `${language}.wav`);
    await synthesizeSpeech(text, { language, outPath: out });
    const p = await probeMedia(out);
    expect(p.audio?.codec).toMatch(/^pcm_/);
    expect(p.duration).toBeGreaterThan(1);
    expect(p.duration).toBeLessThan(5);
    expect((await measureVolume(out)).meanDb).toBeGreaterThan(-30);
    expect(existsSync(`${out}.txt`)).toBe(false);
  });

  it('refuses an empty line', async () => {
    await expect(synthesizeSpeech('  ', { language: 'zh', outPath: join(dir, 'empty.wav') })).rejects.toThrow(/nothing to say/);
  });

  it('says how to install espeak-ng when it is missing', async () => {
    vi.stubEnv('PATH', dir);
    const out = join(dir, 'missing.wav');
    await expect(synthesizeSpeech('你好', { language: 'zh', outPath: out })).rejects.toThrow(/could not start espeak-ng .*apt-get install espeak-ng/);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects at once when already aborted', async () => {
    await expect(synthesizeSpeech('你好', { language: 'zh', outPath: join(dir, 'a.wav'), signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
