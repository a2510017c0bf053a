/**
 * ONNX Runtime execution providers a render can ask for (RENDER_DEVICE). onnxruntime-node bundles
 * cpu and webgpu (Dawn: Vulkan on Linux, Direct3D on Windows, Metal on macOS); cuda needs the
 * libraries its install script fetches (`ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild
 * onnxruntime-node`); dml is Windows' DirectML, coreml macOS's. A module of its own, without
 * onnxruntime-node, so configuration and the worker protocol can name them.
 */
export const ONNX_DEVICES = ['cpu', 'webgpu', 'cuda', 'dml', 'coreml'] as const;
export type OnnxDevice = (typeof ONNX_DEVICES)[number];
