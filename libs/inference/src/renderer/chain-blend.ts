/**
 * Frames over which a chained scene dissolves from the previous scene's last frame into its own
 * pictures: half a second, at most a third of the scene.
 */
export function chainBlendFrames(fps: number, total: number): number {
  return Math.max(1, Math.min(Math.round(fps / 2), Math.floor(total / 3)));
}

/**
 * Frame `index` of a chained scene: the first one is the previous scene's last frame exactly, so
 * the shot continues without a jump; then the scene's own frame takes over linearly. Frames past
 * the blend are returned as they are.
 */
export function blendFromChain(frame: Buffer, chainFrom: Uint8Array | undefined, index: number, blendFrames: number): Buffer {
  if (!chainFrom || index >= blendFrames) return frame;
  if (chainFrom.length !== frame.length) throw new RangeError(`the previous scene's last frame holds ${chainFrom.length} bytes, this scene's frames ${frame.length}: chained scenes must share one size`);
  const t = index / blendFrames;
  const out = Buffer.allocUnsafe(frame.length);
  for (let i = 0; i < frame.length; i++) out[i] = Math.round(chainFrom[i]! + (frame[i]! - chainFrom[i]!) * t);
  return out;
}
