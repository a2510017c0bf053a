import { ffmpegBinary, probeMedia, probeStreams, runTool } from '@reelcraft/inference';
import { open } from 'node:fs/promises';
import { apiError, type ApiException } from '../common/api-error';

export interface CheckedMedia {
  kind: 'image' | 'video';
  format: string;
  width: number;
  height: number;
  duration: number;
}

/** A file that is not what a scene can show, with the reason for the 4xx. */
export class UnusableMedia extends Error {
  constructor(message: string, readonly status: 400 | 415) {
    super(message);
  }
}

/** The API's answer to an unusable upload: 415 `file_type_unsupported` for a format not taken, 400 `file_unreadable` for a damaged or empty file. */
export function unusableMedia(err: UnusableMedia): ApiException {
  return err.status === 415 ? apiError(415, 'file_type_unsupported', err.message) : apiError(400, 'file_unreadable', err.message);
}

/** The formats a scene takes, told by their first bytes (never by the file's name). */
const SIGNATURES: { format: string; kind: 'image' | 'video'; test: (b: Buffer) => boolean }[] = [
  { format: 'jpeg', kind: 'image', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { format: 'png', kind: 'image', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { format: 'webp', kind: 'image', test: (b) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP' },
  { format: 'mp4', kind: 'video', test: (b) => b.toString('latin1', 4, 8) === 'ftyp' },
  { format: 'webm', kind: 'video', test: (b) => b.readUInt32BE(0) === 0x1a45dfa3 },
];
const IMAGE_CODECS = new Set(['mjpeg', 'png', 'webp']);
const ACCEPTED = 'a JPEG, PNG or WebP image, or an MP4, MOV or WebM video';

/**
 * What an uploaded file is, from its content: the first bytes name the format, ffprobe must read
 * a picture of sensible size from it, and a video must decode from start to end (a truncated MP4
 * fails here, not halfway through a render). Throws UnusableMedia with the reason.
 */
export async function checkSceneMedia(path: string, signal?: AbortSignal): Promise<CheckedMedia> {
  const head = await firstBytes(path);
  const sig = head.length >= 12 ? SIGNATURES.find((s) => s.test(head)) : undefined;
  if (!sig) throw new UnusableMedia(`the file is not ${ACCEPTED} (its content says so, whatever its name)`, 415);
  const streams = await probeStreams(path, { signal }).catch((err: Error) => {
    throw new UnusableMedia(`the ${sig.format} file cannot be read: ${reasonOf(err, path)}`, 400);
  });
  const video = streams.find((s) => s.type === 'video');
  if (!video || !video.width || !video.height) throw new UnusableMedia(`the ${sig.format} file holds no picture`, 400);
  if (video.width < 16 || video.height < 16 || video.width > 8192 || video.height > 8192) {
    throw new UnusableMedia(`the picture is ${video.width}×${video.height}; it must be between 16 and 8192 pixels each way`, 400);
  }
  if (sig.kind === 'image') {
    if (!IMAGE_CODECS.has(video.codec)) throw new UnusableMedia(`the image is ${video.codec}, not ${ACCEPTED}`, 415);
    return { kind: 'image', format: sig.format, width: video.width, height: video.height, duration: 0 };
  }
  const probe = await probeMedia(path, { signal }).catch((err: Error) => {
    throw new UnusableMedia(`the video cannot be read: ${reasonOf(err, path)}`, 400);
  });
  if (!(probe.duration > 0.05)) throw new UnusableMedia('the video has no length', 400);
  // Decode every frame: errors stop it (-xerror), so a file cut short is refused now.
  await runTool(ffmpegBinary(), ['-v', 'error', '-xerror', '-i', path, '-map', '0:v:0', '-f', 'null', '-'], { what: 'checking the uploaded video', signal }).catch((err: Error) => {
    throw new UnusableMedia(`the video is damaged or cut short: ${reasonOf(err, path)}`, 400);
  });
  return { kind: 'video', format: sig.format, width: video.width, height: video.height, duration: probe.duration };
}

/** The first 16 bytes of a file (fewer when it is shorter): enough for every signature above. */
async function firstBytes(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(16);
    const { bytesRead } = await handle.read(head, 0, 16, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

const firstLine = (s: string) => s.split('\n').find((l) => l.trim())?.slice(0, 300) ?? s.slice(0, 300);

/**
 * Why ffprobe or ffmpeg refused the file, for the client: the first line of the tool's complaint,
 * without the server's own path to the upload (the client knows it only as "the file").
 */
const reasonOf = (err: Error, path: string) => firstLine(err.message.split(path).join('the file'));

export interface CheckedAudio {
  format: string;
  duration: number;
}

/** Audio formats a music track may come in, told by their first bytes. */
const AUDIO_SIGNATURES: { format: string; test: (b: Buffer) => boolean }[] = [
  { format: 'mp3', test: (b) => b.toString('latin1', 0, 3) === 'ID3' || (b[0] === 0xff && (b[1]! & 0xe0) === 0xe0) },
  { format: 'ogg', test: (b) => b.toString('latin1', 0, 4) === 'OggS' },
  { format: 'flac', test: (b) => b.toString('latin1', 0, 4) === 'fLaC' },
  { format: 'wav', test: (b) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WAVE' },
  { format: 'm4a', test: (b) => b.toString('latin1', 4, 8) === 'ftyp' },
];
const ACCEPTED_AUDIO = 'an MP3, Ogg, FLAC, WAV or M4A audio file';

/** A music track by its content: the format from its first bytes, an audio stream ffprobe can read, decoding to the end. */
export async function checkAudio(path: string, signal?: AbortSignal): Promise<CheckedAudio> {
  const head = await firstBytes(path);
  const sig = head.length >= 12 ? AUDIO_SIGNATURES.find((s) => s.test(head)) : undefined;
  if (!sig) throw new UnusableMedia(`the file is not ${ACCEPTED_AUDIO} (its content says so, whatever its name)`, 415);
  const probe = await probeMedia(path, { signal }).catch((err: Error) => {
    throw new UnusableMedia(`the ${sig.format} file cannot be read: ${reasonOf(err, path)}`, 400);
  });
  if (!probe.audio || !(probe.duration > 0.5)) throw new UnusableMedia('the file holds no audio of any length', 400);
  await runTool(ffmpegBinary(), ['-v', 'error', '-xerror', '-i', path, '-map', '0:a:0', '-f', 'null', '-'], { what: 'checking the uploaded music', signal }).catch((err: Error) => {
    throw new UnusableMedia(`the audio is damaged or cut short: ${reasonOf(err, path)}`, 400);
  });
  return { format: sig.format, duration: probe.duration };
}
