import type { Camera } from '@reelcraft/shared';

/**
 * The virtual camera over a backdrop larger than the frame: for each moment, which point of the
 * backdrop is at the frame's centre and how many frame pixels one backdrop pixel covers. Moves
 * are eased so that clips start and end calmly, which also makes cuts between scenes softer.
 */
export interface CameraView {
  /** Backdrop point shown at the frame centre. */
  cx: number;
  cy: number;
  /** Frame pixels per backdrop pixel; 1 shows a frame-sized window of the backdrop. */
  scale: number;
}

export interface CameraPathInput {
  camera: Camera;
  frameWidth: number;
  frameHeight: number;
  backdropWidth: number;
  backdropHeight: number;
  /** What a zoom closes in on, in backdrop pixels (e.g. the sun or the centre). */
  focusX: number;
  focusY: number;
}

/** Closer shots start from a tighter framing. */
const SHOT_SCALE: Record<Camera['shot'], number> = { aerial: 1, wide: 1, medium: 1.12, 'close-up': 1.28 };
const ZOOM_RANGE = 1.35;
/** Share of the available slack a pan or tilt travels; the rest keeps the edges out of view. */
const TRAVEL = 0.9;

export function smoothstep(t: number): number {
  const x = Math.max(0, Math.min(1, t));
  return x * x * (3 - 2 * x);
}

/**
 * @param progress 0 at the first frame, 1 at the last.
 * @param seconds time since the scene started, for the gentle drift of static shots.
 */
export function cameraViewAt(input: CameraPathInput, progress: number, seconds: number): CameraView {
  const { camera, frameWidth: W, frameHeight: H, backdropWidth: BW, backdropHeight: BH } = input;
  const minScale = Math.max(W / BW, H / BH);
  const base = Math.max(minScale, SHOT_SCALE[camera.shot]);
  const p = smoothstep(progress);
  let scale = base;
  let cx = BW / 2;
  // An aerial shot looks down: frame more land than sky.
  let cy = camera.shot === 'aerial' ? BH / 2 + Math.max(0, (BH - H / base) / 2) * 0.6 : BH / 2;
  // Travel limits for the view centre at a given scale.
  const spanX = (s: number) => Math.max(0, (BW - W / s) / 2) * TRAVEL;
  const spanY = (s: number) => Math.max(0, (BH - H / s) / 2) * TRAVEL;

  switch (camera.move) {
    case 'zoom-in':
    case 'zoom-out': {
      const t = camera.move === 'zoom-in' ? p : 1 - p;
      scale = base * (1 + (ZOOM_RANGE - 1) * t);
      // Drift towards the focus as we close in, so a zoom-in ends on something.
      cx += (input.focusX - cx) * t;
      cy += (input.focusY - cy) * t;
      break;
    }
    case 'pan-left':
    case 'pan-right': {
      // Panning right moves the view to the right: the scenery slides left across the frame.
      const dir = camera.move === 'pan-right' ? 1 : -1;
      cx = BW / 2 + dir * spanX(scale) * (2 * p - 1);
      cy += spanY(scale) * 0.15;
      break;
    }
    case 'tilt-up':
    case 'tilt-down': {
      const dir = camera.move === 'tilt-down' ? 1 : -1;
      cy = BH / 2 + dir * spanY(scale) * (2 * p - 1);
      break;
    }
    case 'static': {
      // A locked-off shot still breathes a little, as a handheld or a slow dolly would.
      scale = base * (1.04 + 0.02 * Math.sin(seconds * 0.9));
      cx = BW / 2 + spanX(scale) * 0.25 * Math.sin(seconds * 0.55);
      cy += spanY(scale) * 0.15 * Math.sin(seconds * 0.4 + 1);
      break;
    }
  }
  scale = Math.max(scale, minScale);
  // Never show past the backdrop's edges.
  const halfW = W / scale / 2;
  const halfH = H / scale / 2;
  cx = Math.min(BW - halfW, Math.max(halfW, cx));
  cy = Math.min(BH - halfH, Math.max(halfH, cy));
  return { cx, cy, scale };
}
