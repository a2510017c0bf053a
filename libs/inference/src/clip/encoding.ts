/**
 * The one set of encoding parameters every scene clip uses. The server joins clips with the
 * concat demuxer and `-c copy`, which only works when size, fps, timebase, pixel format, codec
 * and profile are identical across clips; keeping them in one place (and exported, for anything
 * else the server encodes to sit next to the clips) is what guarantees that.
 */
export const CLIP_ENCODING = {
  codec: 'libx264',
  profile: 'high',
  pixelFormat: 'yuv420p',
  preset: 'veryfast',
  crf: 23,
  /** A keyframe every two seconds: cheap seeking, and cuts at scene boundaries stay exact. */
  keyframeIntervalSeconds: 2,
} as const;

/**
 * MP4 track timescale for a frame rate: 512 ticks per frame, i.e. 12288 at 24 fps. Integral for
 * every integer fps, so frame timestamps never drift from rounding, and the same for every clip
 * rendered at that fps.
 */
export function clipTimescale(fps: number): number {
  return fps * 512;
}

/** ffmpeg output options for a scene clip (video only), in the order they are passed. */
export function clipOutputOptions(fps: number): string[] {
  const gop = fps * CLIP_ENCODING.keyframeIntervalSeconds;
  return [
    '-an',
    '-c:v', CLIP_ENCODING.codec,
    '-profile:v', CLIP_ENCODING.profile,
    '-pix_fmt', CLIP_ENCODING.pixelFormat,
    '-preset', CLIP_ENCODING.preset,
    '-crf', String(CLIP_ENCODING.crf),
    '-g', String(gop),
    '-keyint_min', String(gop),
    // Scene-cut keyframes would make GOP structure depend on content; fixed GOPs keep clips alike.
    '-sc_threshold', '0',
    '-r', String(fps),
    '-video_track_timescale', String(clipTimescale(fps)),
    '-movflags', '+faststart',
    '-f', 'mp4',
  ];
}
