import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseFfprobeJson, probeMedia, probeStreams } from './probe';

describe('probeMedia (real ffprobe)', () => {
  let dir: string;
  let clip: string;
  let music: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'reelcraft-probe-'));
    clip = join(dir, 'clip.mp4');
    music = join(dir, 'music.m4a');
    const ff = (args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args]);
    ff(['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=24', '-t', '2', '-c:v', 'libx264', '-profile:v', 'high', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', clip]);
    ff(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=3', '-c:a', 'aac', music]);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('describes a video clip', async () => {
    const p = await probeMedia(clip);
    expect(p.duration).toBeCloseTo(2, 1);
    expect(p.bytes).toBeGreaterThan(1000);
    expect(p.video).toEqual({ codec: 'h264', width: 320, height: 180, fps: 24, pix_fmt: 'yuv420p', frames: 48 });
    expect(p.audio).toBeNull();
  });

  it('describes an audio-only file', async () => {
    const p = await probeMedia(music);
    expect(p.video).toBeNull();
    expect(p.audio?.codec).toBe('aac');
    expect(p.audio!.duration).toBeCloseTo(3, 1);
  });

  it('rejects with the path and ffprobe’s reason for a missing file', async () => {
    const missing = join(dir, 'nope.mp4');
    await expect(probeMedia(missing)).rejects.toThrow(/nope\.mp4[\s\S]*No such file or directory/);
  });

  it('lists every stream with its language tag', async () => {
    expect(await probeStreams(music)).toEqual([{ index: 0, type: 'audio', codec: 'aac', language: 'und', duration: expect.closeTo(3, 1), isDefault: true }]);
  });

  describe('FFPROBE_PATH', () => {
    afterEach(() => vi.unstubAllEnvs());

    it('runs the binary it names, and says so clearly when it is missing', async () => {
      const log = join(dir, 'ffprobe.log');
      const wrapper = join(dir, 'ffprobe-wrapper.sh');
      await writeFile(wrapper, `#!/bin/sh\necho "$@" >> '${log}'\nexec ffprobe "$@"\n`);
      await chmod(wrapper, 0o755);
      vi.stubEnv('FFPROBE_PATH', wrapper);
      expect((await probeMedia(clip)).video?.codec).toBe('h264');
      expect(await readFile(log, 'utf8')).toContain('clip.mp4');

      vi.stubEnv('FFPROBE_PATH', join(dir, 'no-ffprobe'));
      await expect(probeMedia(clip)).rejects.toThrow(/ffprobe failed for .*clip\.mp4: could not start .*no-ffprobe .*FFPROBE_PATH/);
    });
  });
});

describe('parseFfprobeJson', () => {
  it('tolerates N/A values and 0/0 rates', async () => {
    const json = JSON.stringify({
      format: { duration: '4.5', size: 'N/A' },
      streams: [{ codec_type: 'video', codec_name: 'h264', width: 2, height: 2, avg_frame_rate: '0/0', r_frame_rate: '30000/1001', pix_fmt: 'yuv420p', nb_frames: 'N/A' }],
    });
    const p = await parseFfprobeJson(json, 'x', async () => 123);
    expect(p).toEqual({ duration: 4.5, bytes: 123, video: { codec: 'h264', width: 2, height: 2, fps: 30000 / 1001, pix_fmt: 'yuv420p' }, audio: null });
  });

  it('rejects output without a duration', async () => {
    await expect(parseFfprobeJson('{"streams":[]}', 'x.txt', async () => 0)).rejects.toThrow(/no duration/);
  });
});
