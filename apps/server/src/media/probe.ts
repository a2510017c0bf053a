import { stat } from 'node:fs/promises';
import { FFPROBE_BIN, runMediaTool } from './ffmpeg-process';

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

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  pix_fmt?: string;
  nb_frames?: string;
  duration?: string;
}

interface FfprobeOutput {
  format?: { duration?: string; size?: string };
  streams?: FfprobeStream[];
}

export async function probeMedia(path: string, opts: { signal?: AbortSignal } = {}): Promise<MediaProbe> {
  const { stdout } = await runMediaTool(
    FFPROBE_BIN,
    ['-hide_banner', '-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '--', path],
    { signal: opts.signal, collectStdout: true, what: `probing ${path}` },
  );
  return parseFfprobeJson(stdout, path, async () => (await stat(path)).size);
}

/** Exported for tests: turns ffprobe's JSON into the few numbers the server needs. */
export async function parseFfprobeJson(json: string, path: string, sizeFallback: () => Promise<number>): Promise<MediaProbe> {
  let data: FfprobeOutput;
  try {
    data = JSON.parse(json) as FfprobeOutput;
  } catch {
    throw new Error(`probing ${path}: ffprobe printed no valid JSON`);
  }
  const streams = data.streams ?? [];
  const v = streams.find((s) => s.codec_type === 'video');
  const a = streams.find((s) => s.codec_type === 'audio');
  const formatDuration = num(data.format?.duration);
  const duration = formatDuration ?? num(v?.duration) ?? num(a?.duration);
  if (duration === undefined) throw new Error(`probing ${path}: ffprobe reports no duration (not a media file?)`);

  const bytes = num(data.format?.size) ?? (await sizeFallback());
  const frames = num(v?.nb_frames);
  const video: VideoStreamInfo | null = v
    ? {
        codec: v.codec_name ?? 'unknown',
        width: v.width ?? 0,
        height: v.height ?? 0,
        fps: rate(v.avg_frame_rate) ?? rate(v.r_frame_rate) ?? 0,
        pix_fmt: v.pix_fmt ?? 'unknown',
        ...(frames !== undefined ? { frames } : {}),
      }
    : null;
  const audio: AudioStreamInfo | null = a
    ? { codec: a.codec_name ?? 'unknown', duration: num(a.duration) ?? duration }
    : null;
  return { duration, bytes, video, audio };
}

function num(s: string | undefined): number | undefined {
  if (s === undefined || s === 'N/A') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** ffprobe writes rates as fractions ("24/1", "30000/1001"); "0/0" means unknown. */
function rate(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const [n, d] = s.split('/').map(Number);
  if (!Number.isFinite(n) || !Number.isFinite(d) || !d || !n) return undefined;
  return n / d;
}
