import { clipOutputOptions, runFfmpeg, sha256File, type ClipInfo } from '@reelcraft/inference';
import type { Camera } from '@reelcraft/shared';

type CameraMove = Camera['move'];
import { stat } from 'node:fs/promises';

export interface MediaClipOptions {
  /** The uploaded file (checked by checkSceneMedia). */
  path: string;
  kind: 'image' | 'video';
  move: CameraMove;
  /** Multiplies how far the move goes (the scene's camera speed). */
  speed: number;
  durationSec: number;
  width: number;
  height: number;
  fps: number;
  outPath: string;
  signal?: AbortSignal;
}

/** How far a zoom or pan reaches over the scene at camera speed 1: a fifth of the frame. */
const MOVE_AMOUNT = 0.2;

/**
 * A scene clip from an uploaded picture or clip, encoded exactly like a drawn one (so assembly
 * can still join clips by stream copy): an image gets the scene's camera move as a pan or zoom
 * over it; a clip is looped or trimmed to the scene's length; both fill the frame (cropped, never
 * letterboxed) at the storyboard's size and frame rate.
 */
export async function renderMediaClip(o: MediaClipOptions): Promise<ClipInfo> {
  const frames = Math.max(1, Math.round(o.durationSec * o.fps));
  const fill = `scale=${o.width * 2}:${o.height * 2}:force_original_aspect_ratio=increase,crop=${o.width * 2}:${o.height * 2},setsar=1`;
  const graph =
    o.kind === 'image'
      ? `[0:v]${fill},${zoompan(o.move, o.speed, frames, o.width, o.height, o.fps)},format=yuv420p[v]`
      : `[0:v]${fill},scale=${o.width}:${o.height},fps=${o.fps},format=yuv420p[v]`;
  await runFfmpeg(
    {
      inputs: [{ source: o.path, options: o.kind === 'image' ? ['-loop', '1', '-framerate', String(o.fps)] : ['-stream_loop', '-1'] }],
      filterGraph: [graph],
      output: o.outPath,
      outputOptions: ['-map', '[v]', '-frames:v', String(frames), ...clipOutputOptions(o.fps)],
      what: `making the scene clip from the uploaded ${o.kind}`,
    },
    { signal: o.signal },
  );
  const [bytes, sha256] = await Promise.all([stat(o.outPath).then((s) => s.size), sha256File(o.outPath)]);
  return { path: o.outPath, frames, duration: frames / o.fps, frame_rate: o.fps, resolution: `${o.width}x${o.height}`, bytes, sha256 };
}

/** zoompan expressions for the camera move; P runs from 0 to 1 over the scene. */
function zoompan(move: CameraMove, speed: number, frames: number, width: number, height: number, fps: number): string {
  const a = Math.min(0.6, MOVE_AMOUNT * Math.max(0.1, speed));
  const p = `(on/${Math.max(1, frames - 1)})`;
  const centreX = 'iw/2-(iw/zoom/2)';
  const centreY = 'ih/2-(ih/zoom/2)';
  const moves: Record<CameraMove, [string, string, string]> = {
    static: ['1', centreX, centreY],
    'zoom-in': [`1+${a}*${p}`, centreX, centreY],
    'zoom-out': [`${1 + a}-${a}*${p}`, centreX, centreY],
    'pan-left': [`${1 + a}`, `(iw-iw/zoom)*(1-${p})`, centreY],
    'pan-right': [`${1 + a}`, `(iw-iw/zoom)*${p}`, centreY],
    'tilt-up': [`${1 + a}`, centreX, `(ih-ih/zoom)*(1-${p})`],
    'tilt-down': [`${1 + a}`, centreX, `(ih-ih/zoom)*${p}`],
  };
  const [z, x, y] = moves[move];
  return `zoompan=z='${z}':x='${x}':y='${y}':d=1:s=${width}x${height}:fps=${fps}`;
}
