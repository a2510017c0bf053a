import type { PlannedScene } from '@reelcraft/shared';
import { NO_MOTION, type Motion } from './image-ops';

/** Per second, at speed 1: zooms change scale by 8 %, pans and tilts cross 6 % of the frame. */
const ZOOM_PER_SECOND = 1.08;
const SHIFT_PER_SECOND = 0.06;

/**
 * The planned camera move as a per-frame 2D warp of a width×height picture (Deforum's 2D mode):
 * applied repeatedly to the previous keyframe it gives the next keyframe's starting point and
 * the in-between frames.
 */
export function cameraMotionPerFrame(camera: PlannedScene['camera'], fps: number, width: number, height: number, speed = 1): Motion {
  const zoom = ZOOM_PER_SECOND ** (speed / fps);
  const dx = (SHIFT_PER_SECOND * speed * width) / fps;
  const dy = (SHIFT_PER_SECOND * speed * height) / fps;
  switch (camera.move) {
    case 'static':
      return NO_MOTION;
    case 'zoom-in':
      return { zoom, dx: 0, dy: 0 };
    case 'zoom-out':
      return { zoom: 1 / zoom, dx: 0, dy: 0 };
    // Moving the camera left brings in what is left of the frame: sample further left.
    case 'pan-left':
      return { zoom: 1, dx: -dx, dy: 0 };
    case 'pan-right':
      return { zoom: 1, dx, dy: 0 };
    case 'tilt-up':
      return { zoom: 1, dx: 0, dy: -dy };
    case 'tilt-down':
      return { zoom: 1, dx: 0, dy };
  }
}
