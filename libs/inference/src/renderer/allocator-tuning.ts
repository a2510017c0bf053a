/**
 * @napi-rs/canvas links mimalloc, which by default hands freed memory back to the OS 10 ms after
 * a free. The renderer frees and re-allocates frame-sized pixel buffers every few milliseconds,
 * so each frame paid for the kernel zeroing fresh (often huge) pages: measured ~4 ms of system
 * time per 640×360 frame, more than the drawing itself. A negative purge delay keeps freed
 * memory for reuse; the render worker is short-lived, so holding its peak is harmless.
 *
 * mimalloc reads its options when the native module loads, so this module must be evaluated
 * before the first import of @napi-rs/canvas (see ./canvas.ts). An operator's own setting wins.
 */
process.env.MIMALLOC_PURGE_DELAY ??= '-1';

export {};
