import { stat } from 'node:fs/promises';
import { runTool } from './run-tool';

/**
 * The one ffprobe wrapper of the project: the render worker checks its clips with `probeVideo`,
 * the server measures clips, music and the final video with `probeMedia`.
 */

export interface VideoStreamInfo {
  codec: string;
  width: number;
  height: number;
  /** Average frame rate; falls back to the nominal rate when the container has no average. */
  fps: number;
  pix_fmt: string;
  /** Frame count from the container header; absent when the container does not record it. */
  frames?: number;
}

export interface AudioStreamInfo {
  codec: string;
  duration: number;
}

export interface MediaProbe {
  /** Container duration in seconds. */
  duration: number;
  bytes: number;
  /** The first video stream, or null for audio-only files (music). */
  video: VideoStreamInfo | null;
  /** The first audio stream, or null when there is none. */
  audio: AudioStreamInfo | null;
}

export interface VideoProbe {
  /** Codec of the first video stream, e.g. 'h264'. */
  codec: string;
  /** Codec profile, e.g. 'High'; '' when ffprobe does not report one. */
  profile: string;
  width: number;
  height: number;
  /** Frames per second from the stream's r_frame_rate (e.g. 24, or 29.97 for 30000/1001). */
  fps: number;
  /** Seconds: the container's duration, else the stream's. */
  duration: number;
  /** nb_frames when the container stores it, else counted by decoding. */
  frames: number;
  pix_fmt: string;
  /** The stream's time base, e.g. '1/12288'. Clips joined with `-c copy` must agree on it. */
  time_base: string;
  has_audio: boolean;
  /** Number of audio streams and their codecs, for assembly tests. */
  audio_codecs: string[];
  format: string;
  size_bytes: number;
}

interface FfprobeStream {
  index?: number;
  codec_type?: string;
  tags?: { language?: string };
  disposition?: { default?: number };
  codec_name?: string;
  profile?: string;
  width?: number;
  height?: number;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  duration?: string;
  nb_frames?: string;
  nb_read_frames?: string;
  pix_fmt?: string;
  time_base?: string;
}

interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { duration?: string; format_name?: string; size?: string };
}

/** FFPROBE_PATH overrides the binary (Debian installs it in /usr/bin, found through PATH). */
export function ffprobeBinary(): string {
  return process.env.FFPROBE_PATH || 'ffprobe';
}

/** Runs ffprobe with JSON output; the error names the file and quotes the end of ffprobe's stderr. */
function runFfprobe(path: string, args: string[], signal?: AbortSignal): Promise<string> {
  return runTool(ffprobeBinary(), ['-hide_banner', '-v', 'error', '-print_format', 'json', ...args, '--', path], {
    what: `ffprobe failed for ${path}`,
    signal,
    missingHint: 'Install ffmpeg or set FFPROBE_PATH.',
  });
}

function parseJson(json: string, path: string): FfprobeOutput {
  try {
    return JSON.parse(json) as FfprobeOutput;
  } catch {
    throw new Error(`ffprobe printed no valid JSON for ${path}`);
  }
}

/** Duration, size and the first video and audio streams of any media file (a clip, music, the final video). */
export async function probeMedia(path: string, opts: { signal?: AbortSignal } = {}): Promise<MediaProbe> {
  const json = await runFfprobe(path, ['-show_format', '-show_streams'], opts.signal);
  return parseFfprobeJson(json, path, async () => (await stat(path)).size);
}

/** Exported for tests: turns ffprobe's JSON into the few numbers the server needs. */
export async function parseFfprobeJson(json: string, path: string, sizeFallback: () => Promise<number>): Promise<MediaProbe> {
  const data = parseJson(json, path);
  const streams = data.streams ?? [];
  const v = streams.find((s) => s.codec_type === 'video');
  const a = streams.find((s) => s.codec_type === 'audio');
  const duration = num(data.format?.duration) ?? num(v?.duration) ?? num(a?.duration);
  if (duration === undefined) throw new Error(`probing ${path}: ffprobe reports no duration (not a media file?)`);

  const bytes = num(data.format?.size) ?? (await sizeFallback());
  const frames = num(v?.nb_frames);
  const video: VideoStreamInfo | null = v
    ? {
        codec: v.codec_name ?? 'unknown',
        width: v.width ?? 0,
        height: v.height ?? 0,
        fps: parseRational(v.avg_frame_rate) || parseRational(v.r_frame_rate),
        pix_fmt: v.pix_fmt ?? 'unknown',
        ...(frames !== undefined ? { frames } : {}),
      }
    : null;
  const audio: AudioStreamInfo | null = a ? { codec: a.codec_name ?? 'unknown', duration: num(a.duration) ?? duration } : null;
  return { duration, bytes, video, audio };
}

/**
 * Describes the first video stream of a media file (and whether it has audio), counting frames by
 * decoding when the container does not store the count. Rejects when the file is missing,
 * unreadable or has no video stream.
 */
export async function probeVideo(path: string, opts: { signal?: AbortSignal } = {}): Promise<VideoProbe> {
  const info = parseJson(await runFfprobe(path, ['-show_streams', '-show_format'], opts.signal), path);
  const streams = info.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video');
  if (!video) throw new Error(`no video stream in ${path}`);
  const audio = streams.filter((s) => s.codec_type === 'audio');

  let frames = Number(video.nb_frames);
  if (!Number.isFinite(frames) || frames <= 0) {
    // Some containers (e.g. raw streams, fragmented files) do not store a count: decode to count.
    const counted = parseJson(await runFfprobe(path, ['-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=nb_read_frames'], opts.signal), path);
    frames = Number(counted.streams?.[0]?.nb_read_frames) || 0;
  }
  const duration = Number(info.format?.duration ?? video.duration);
  return {
    codec: video.codec_name ?? '',
    profile: video.profile ?? '',
    width: video.width ?? 0,
    height: video.height ?? 0,
    fps: round(parseRational(video.r_frame_rate) || parseRational(video.avg_frame_rate), 3),
    duration: Number.isFinite(duration) ? duration : 0,
    frames,
    pix_fmt: video.pix_fmt ?? '',
    time_base: video.time_base ?? '',
    has_audio: audio.length > 0,
    audio_codecs: audio.map((a) => a.codec_name ?? ''),
    format: info.format?.format_name ?? '',
    size_bytes: Number(info.format?.size) || 0,
  };
}

/** Evaluates ffprobe's rational strings such as '24/1' or '30000/1001'; 0 for unknown ('0/0', 'N/A'). */
export function parseRational(value: string | undefined): number {
  if (!value) return 0;
  const [n, d] = value.split('/').map(Number);
  if (!Number.isFinite(n)) return 0;
  if (d === undefined) return n!;
  return d && Number.isFinite(d) ? n! / d : 0;
}

function num(s: string | undefined): number | undefined {
  if (s === undefined || s === 'N/A') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** One stream of a media file, as the assembly tests and reports need it. */
export interface StreamInfo {
  index: number;
  type: 'video' | 'audio' | 'subtitle' | 'data' | 'attachment' | 'unknown';
  codec: string;
  /** The stream's `language` tag (ISO 639-2, e.g. 'zho', 'eng'), when it has one. */
  language?: string;
  /** Seconds, when the container reports it per stream. */
  duration?: number;
  width?: number;
  height?: number;
  /** Whether the `default` disposition is set (a player shows or plays this stream unasked). */
  isDefault: boolean;
}

/** Every stream of a media file, in file order. */
export async function probeStreams(path: string, opts: { signal?: AbortSignal } = {}): Promise<StreamInfo[]> {
  const data = parseJson(await runFfprobe(path, ['-show_streams'], opts.signal), path);
  return (data.streams ?? []).map((s, i) => {
    const duration = num(s.duration);
    const type = s.codec_type;
    return {
      index: s.index ?? i,
      type: type === 'video' || type === 'audio' || type === 'subtitle' || type === 'data' || type === 'attachment' ? type : 'unknown',
      codec: s.codec_name ?? 'unknown',
      ...(s.tags?.language ? { language: s.tags.language } : {}),
      ...(duration !== undefined ? { duration } : {}),
      ...(s.width !== undefined ? { width: s.width } : {}),
      ...(s.height !== undefined ? { height: s.height } : {}),
      isDefault: s.disposition?.default === 1,
    };
  });
}
