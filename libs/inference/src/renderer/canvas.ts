// The allocator setting must be in the environment before the native module loads: keep this
// import first, and import canvas APIs in this package only through this file.
import './allocator-tuning';

export { createCanvas, GlobalFonts } from '@napi-rs/canvas';
export type { Canvas, CanvasGradient, SKRSContext2D } from '@napi-rs/canvas';
