import { execFile } from 'node:child_process';

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
  codec_type?: string;
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

/** FFPROBE_PATH overrides the binary, as fluent-ffmpeg's FFMPEG_PATH does for ffmpeg. */
function ffprobeBinary(): string {
  return process.env.FFPROBE_PATH || 'ffprobe';
}

function runFfprobe(args: string[]): Promise<FfprobeOutput> {
  return new Promise((resolve, reject) => {
    execFile(ffprobeBinary(), args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const detail = String(stderr).trim().split('\n').slice(-4).join('\n');
        reject(new Error(`ffprobe failed for ${args[args.length - 1]}: ${detail || err.message}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as FfprobeOutput);
      } catch {
        reject(new Error(`ffprobe printed invalid JSON for ${args[args.length - 1]}`));
      }
    });
  });
}

/** Evaluates ffprobe's rational strings such as '24/1' or '30000/1001'. */
export function parseRational(value: string | undefined): number {
  if (!value) return 0;
  const [num, den] = value.split('/').map(Number);
  if (!Number.isFinite(num)) return 0;
  if (den === undefined) return num!;
  return den && Number.isFinite(den) ? num! / den : 0;
}

/**
 * Describes the first video stream of a media file (and whether it has audio). Rejects when the
 * file is missing, unreadable or has no video stream.
 */
export async function probeVideo(path: string): Promise<VideoProbe> {
  const info = await runFfprobe(['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', path]);
  const streams = info.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video');
  if (!video) throw new Error(`no video stream in ${path}`);
  const audio = streams.filter((s) => s.codec_type === 'audio');

  let frames = Number(video.nb_frames);
  if (!Number.isFinite(frames) || frames <= 0) {
    // Some containers (e.g. raw streams, fragmented files) do not store a count: decode to count.
    const counted = await runFfprobe(['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-print_format', 'json', path]);
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

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
