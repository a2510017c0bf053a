// The GPU figures issue 4 asks for, prepared to run in one call on a device machine: seconds per
// UNet step and per VAE decode for random-weight models in Stable Diffusion 1.5's real shapes
// (UNet 320/640/1280/1280 channels, 2 blocks per level, 8 heads, 64×64 latents, 77×768 text;
// decoder 512/512/256/128 to 512×512 px), with the chosen ONNX Runtime execution provider, against
// the CPU in the same run; GPU memory from nvidia-smi; and what node-llama-cpp can use here.
//
//   npm run build && node scripts/gpu-check.mjs --ep webgpu              (on the device)
//   node scripts/gpu-check.mjs --ep cpu --scale small --steps 2          (a smoke run anywhere)
//
// onnxruntime-node bundles its WebGPU backend (Dawn over Vulkan) but not CUDA, whose libraries its
// install script would fetch from outside npm. A device machine has no internet, no node_modules
// and NVIDIA's Vulkan driver without a loader: `bash scripts/gpu-carry.sh` assembles .gpu-carry/
// (onnxruntime-node for linux/x64, the three inference files this needs, libvulkan1), and its
// header gives the one device call that runs this with GPU_CHECK_MODULES=.gpu-carry.
// node-llama-cpp's CUDA and Vulkan prebuilts are replaced by empty packages for offline CPU installs
// (package.json overrides), so the LLM half of the check can only say what this install lacks.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Modules from the carried folder when given (a device machine), else from this checkout.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const carried = process.env.GPU_CHECK_MODULES ? resolve(process.env.GPU_CHECK_MODULES) : undefined;
const require = createRequire(join(carried ?? ROOT, 'gpu-check.cjs'));
const dist = carried ? join(carried, 'inference-dist') : join(ROOT, 'libs/inference/dist');
const ort = require('onnxruntime-node');
// Only the graph builders and the seeded noise: the library's index would load node-llama-cpp and the canvas too.
const inference = {
  ...require(join(dist, 'testing/tiny-onnx-graph.js')),
  ...require(join(dist, 'testing/sd-like-graphs.js')),
  ...require(join(dist, 'diffusion/random.js')),
};

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const EP = arg('ep', 'webgpu');
const SCALE = arg('scale', 'sd15');
const STEPS = Number(arg('steps', 10));
const shape =
  SCALE === 'sd15'
    ? { unet: inference.SD15_SHAPE, latent: 64, textDim: 768 }
    : { unet: { levels: [32, 64, 128, 128], blocks: 2, attention: [true, true, true, false], heads: 8, decoder: [64, 64, 32, 16], decoderBlocks: 3 }, latent: 16, textDim: 64 };
const SEQ = 77;
const secs = (t0) => (performance.now() - t0) / 1000;

/** One component as its own ONNX file, with Optimum's input and output names; weights in a sidecar. */
function writeModel(dir, name, build) {
  const g = new inference.GraphBuilder(name);
  build(g, new inference.GaussianNoise(1));
  const { model, sidecar } = g.encode({ externalData: { location: 'model.onnx_data', threshold: 1024 } });
  const path = join(dir, name);
  execFileSync('mkdir', ['-p', path]);
  writeFileSync(join(path, 'model.onnx'), model);
  if (sidecar) {
    // One write call takes at most 2 GiB; SD 1.5's UNet weights are 3.4 GB.
    const fd = openSync(join(path, 'model.onnx_data'), 'w');
    for (let at = 0; at < sidecar.length; at += 2 ** 30) writeSync(fd, sidecar, at, Math.min(2 ** 30, sidecar.length - at));
    closeSync(fd);
  }
  return { file: join(path, 'model.onnx'), bytes: model.length + (sidecar?.length ?? 0) };
}

function gpuMemory() {
  try {
    return execFileSync('nvidia-smi', ['--query-gpu=name,memory.used,memory.total', '--format=csv,noheader'], { encoding: 'utf8' }).trim();
  } catch {
    return 'no nvidia-smi';
  }
}

async function timeSession(file, ep, feeds, runs) {
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(file, { executionProviders: [ep], graphOptimizationLevel: 'all' });
  const openS = secs(t0);
  const t1 = performance.now();
  await session.run(feeds());
  const firstS = secs(t1);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await session.run(feeds());
    times.push(secs(t));
  }
  const memory = gpuMemory();
  await session.release();
  times.sort((a, b) => a - b);
  return { ep, open_s: openS.toFixed(1), first_run_s: firstS.toFixed(2), median_s: times.length ? times[times.length >> 1].toFixed(3) : '–', runs, memory };
}

const dir = mkdtempSync(join(tmpdir(), 'reelcraft-gpu-check-'));
try {
  console.log(`Reelcraft GPU check — ${new Date().toISOString()} — ${cpus().length} × ${cpus()[0]?.model} — node ${process.version} — ${gpuMemory()}`);
  let t0 = performance.now();
  const unet = writeModel(dir, 'unet', (g, rng) => {
    const L = shape.latent;
    const sample = g.input('sample', inference.ONNX_FLOAT, ['batch_size', 4, L, L]);
    const timestep = g.input('timestep', inference.ONNX_FLOAT, []);
    const text = g.input('encoder_hidden_states', inference.ONNX_FLOAT, ['batch_size', SEQ, shape.textDim]);
    const out = inference.sdLikeUnetBody(g, rng, shape.unet, { sample, timestep, text, textDim: shape.textDim });
    g.op('Identity', [out], {}, 'out_sample');
    g.output('out_sample', inference.ONNX_FLOAT, ['batch_size', 4, L, L]);
  });
  const decoder = writeModel(dir, 'vae_decoder', (g, rng) => {
    const L = shape.latent;
    const latent = g.input('latent_sample', inference.ONNX_FLOAT, ['batch_size', 4, L, L]);
    g.op('Identity', [inference.sdLikeDecoderBody(g, rng, shape.unet, latent)], {}, 'sample');
    g.output('sample', inference.ONNX_FLOAT, ['batch_size', 3, 8 * L, 8 * L]);
  });
  console.log(`wrote a ${SCALE} UNet (${(unet.bytes / 2 ** 20).toFixed(0)} MiB) and VAE decoder (${(decoder.bytes / 2 ** 20).toFixed(0)} MiB) in ${secs(t0).toFixed(1)} s`);

  const rng = new inference.GaussianNoise(2);
  const L = shape.latent;
  const unetFeeds = () => ({
    sample: new ort.Tensor('float32', rng.normals(2 * 4 * L * L), [2, 4, L, L]),
    timestep: new ort.Tensor('float32', Float32Array.of(500), []),
    encoder_hidden_states: new ort.Tensor('float32', rng.normals(2 * SEQ * shape.textDim), [2, SEQ, shape.textDim]),
  });
  const decoderFeeds = () => ({ latent_sample: new ort.Tensor('float32', rng.normals(4 * L * L), [1, 4, L, L]) });

  const rows = [];
  // The CPU baseline gets one timed run at full scale: an SD 1.5 step takes many seconds there.
  for (const ep of EP === 'cpu' ? ['cpu'] : [EP, 'cpu']) {
    const runs = ep === 'cpu' && SCALE === 'sd15' ? 1 : STEPS;
    for (const [component, file, feeds] of [
      ['unet step (batch 2: guidance)', unet.file, unetFeeds],
      ['vae decode (512×512)' + (SCALE === 'sd15' ? '' : ' at small scale'), decoder.file, decoderFeeds],
    ]) {
      try {
        rows.push({ component, ...(await timeSession(file, ep, feeds, runs)) });
      } catch (err) {
        // ONNX Runtime puts its source location first and the reason last.
        rows.push({ component, ep, error: String(err.message ?? err).split('\n')[0].slice(-160) });
      }
    }
  }
  console.table(rows);
  const step = rows.find((r) => r.ep === EP && r.component.startsWith('unet'))?.median_s;
  if (step && SCALE === 'sd15') {
    // A 5 s scene at 24 fps with the renderer's defaults: a txt2img keyframe, then img2img keyframes every 6 frames at strength ≈ 0.5.
    const keyframes = Math.ceil((5 * 24) / 6);
    console.log(`≈ ${(keyframes * 10 * Number(step)).toFixed(0)} s of UNet time for a 5 s clip (${keyframes} keyframes × ~10 steps); the original design's target: ≤ 120 s on an RTX 3090`);
  }

  let gpuTypes = [];
  try {
    const llama = await import('node-llama-cpp');
    gpuTypes = await llama.getLlamaGpuTypes('supported');
  } catch (err) {
    gpuTypes = [`(node-llama-cpp not available here: ${String(err.message).split('\n')[0]})`];
  }
  console.log(`node-llama-cpp GPU backends this machine supports: ${gpuTypes.join(', ') || 'none'}; the install has their prebuilt binaries only where package.json's overrides were lifted (README, "On a GPU host").`);
  if (process.env.OUT) writeFileSync(join(process.env.OUT, 'gpu-check.json'), JSON.stringify({ scale: SCALE, ep: EP, rows, gpuTypes }, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
