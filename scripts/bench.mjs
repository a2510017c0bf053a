// npm run bench: where the time of one video goes, measured on this machine, with a baseline from
// the same run. Needs `npm run build` first. Numbers only; nothing here asserts a time.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const inference = require('../libs/inference/dist/index.js');
const { assembleVideo, findCjkFontsDir } = require('../apps/server/dist/media/assemble-video.js');

const PROMPT = '制作一段关于森林探险的短视频，包含河流和小动物';
const sizes = [
  [640, 360],
  [1280, 720],
];
const fps = 24;
const secs = (t0) => (performance.now() - t0) / 1000;

async function* repeat(frame, n) {
  for (let i = 0; i < n; i++) yield frame;
}

async function benchSize(width, height) {
  const dir = mkdtempSync(join(tmpdir(), 'reelcraft-bench-'));
  try {
    const plan = await new inference.RuleBasedPlanner().plan(PROMPT);
    const renderer = new inference.AnimaticRenderer();
    const opts = { width, height, fps };
    const frames = plan.scenes.reduce((n, s) => n + renderer.frameCount(s, opts), 0);

    // 1. Drawing alone.
    let t0 = performance.now();
    for (const scene of plan.scenes) for await (const _ of renderer.renderFrames(scene, { ...opts, theme: plan.title })) void _;
    const draw = secs(t0);

    // 2. Baseline: the encoder alone, fed one constant frame as many times (x264 on a still image is its cheapest case).
    const still = Buffer.alloc(width * height * 3, 90);
    t0 = performance.now();
    await inference.encodeClip(repeat(still, frames), { width, height, fps, outPath: join(dir, 'still.mp4'), totalFrames: frames });
    const encodeStill = secs(t0);

    // 3. The real pipeline: plan, draw and encode every scene (what the render worker does).
    t0 = performance.now();
    const job = await inference.runRenderJob({ taskId: 'bench', prompt: PROMPT, workDir: dir, width, height, fps });
    const pipeline = secs(t0);

    // 4. Assembly: concat + burnt-in subtitles.
    t0 = performance.now();
    const final = await assembleVideo({
      clips: job.scenes.map((s) => ({ path: s.clip.path, duration: s.clip.duration })),
      scenes: job.plan.scenes,
      outPath: join(dir, 'final.mp4'),
      workDir: dir,
      width,
      height,
      fontsDir: findCjkFontsDir(),
    });
    const assemble = secs(t0);
    return { size: `${width}x${height}`, scenes: plan.scenes.length, video_s: final.duration, frames, draw, encodeStill, pipeline, assemble, bytes: final.bytes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `node scripts/bench.mjs diffusion` runs only the diffusion part.
const only = process.argv[2];

console.log(`Reelcraft bench — ${new Date().toISOString()} — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} — node ${process.version}`);
console.log(`prompt: ${PROMPT}\n`);
if (!only) {
  const rows = [];
  for (const [w, h] of sizes) rows.push(await benchSize(w, h));
  const table = rows.map((r) => ({
    size: r.size,
    'video (s)': r.video_s.toFixed(2),
    frames: r.frames,
    'draw ms/frame': ((r.draw / r.frames) * 1000).toFixed(2),
    'baseline: encode still (s)': r.encodeStill.toFixed(2),
    'worker pipeline (s)': r.pipeline.toFixed(2),
    'pipeline / (draw + baseline)': (r.pipeline / (r.draw + r.encodeStill)).toFixed(2),
    'assembly (s)': r.assemble.toFixed(2),
    'total (s)': (r.pipeline + r.assemble).toFixed(2),
    'realtime factor': (r.video_s / (r.pipeline + r.assemble)).toFixed(2),
    'MP4 (KiB)': Math.round(r.bytes / 1024),
  }));
  console.table(table);
  console.log('pipeline / (draw + baseline) < 1 means drawing and encoding overlap (ffmpeg encodes while the next frame is drawn).');
}

// Diffusion: how much of a generation is ONNX Runtime itself (the rest is this module's JS:
// tokenising, scheduling, CFG, preview/decode conversions), plus tokenizer throughput, on three
// random-weight exports: the tiny test model; a wider toy (64 channels, 32×32 latents = 256 px),
// still one convolution per component; and an SD-like one with SD 1.5's block structure
// (residual blocks, self- and cross-attention, skip connections, an 8× upsampling decoder) at
// 32 base channels instead of 320, whose calls cost milliseconds as a real model's cost seconds.
// The toys show this module's fixed cost per step and per pixel; the SD-like row shows its share
// next to a model that does work shaped like the real one.
// "Inside session.run" is the time around each awaited InferenceSession.run call (pipeline.stats);
// everything else between the start and the end of generate() is overhead.
//  - worker configuration: what the render worker runs: the forest storyboard rendered by the
//    DiffusionRenderer with its defaults (a txt2img keyframe, then img2img keyframes every 6
//    frames), each step's preview offered to the worker's own throttle (previewThrottle: first
//    step, about one a second, last step of a scene), a JPEG encoded only for those it sends;
//  - JPEG every step: 20-step txt2img generations that encode every step's preview.
// The warm-up runs both configurations once, so every path measured has run before.
async function benchDiffusion() {
  const dir = mkdtempSync(join(tmpdir(), 'reelcraft-bench-sd-'));
  try {
    const plan = await new inference.RuleBasedPlanner().plan(PROMPT);
    const rows = [];
    for (const [label, opts] of [
      ['tiny (8 ch, 8×8 latents)', { latentSize: 8, channels: 8 }],
      ['larger (64 ch, 32×32 latents)', { latentSize: 32, channels: 64 }],
      ['SD-like (32 ch base, 32×32 latents)', { latentSize: 32, channels: 32, architecture: 'sd-like' }],
    ]) {
      const modelDir = await inference.writeTinyDiffusionPipeline(join(dir, label.split(' ')[0]), opts);
      const pipeline = await inference.DiffusionPipeline.load(modelDir, { intraOpNumThreads: cpus().length });
      let jpegs = 0;
      let frames = 0;
      const workerRun = async () => {
        // As runRenderJob: one throttle per job, one renderer over the shared pipeline.
        const send = inference.previewThrottle();
        const renderer = new inference.DiffusionRenderer({ pipeline, onStep: (e) => send(e) && (jpegs++, e.preview.jpeg()) });
        for (const scene of plan.scenes) for await (const _ of renderer.renderFrames(scene, { width: 320, height: 180, fps })) frames++;
      };
      const everyStep = async (n) => {
        for (let i = 0; i < n; i++) await pipeline.generate({ prompt: 'a river in the forest at sunset', seed: i, steps: 20, onStep: (e) => (jpegs++, e.preview.jpeg()) });
      };
      await workerRun();
      await everyStep(2);
      for (const [config, run] of [
        ['worker configuration', workerRun],
        ['JPEG every step', () => everyStep(10)],
      ]) {
        Object.assign(pipeline.stats, { unetCalls: 0, sessionMs: 0, totalMs: 0 });
        jpegs = 0;
        frames = 0;
        let generations = 0;
        const generate = pipeline.generate;
        pipeline.generate = (req) => (generations++, generate.call(pipeline, req));
        const t0 = performance.now();
        await run();
        const wallMs = performance.now() - t0;
        delete pipeline.generate;
        const { unetCalls, sessionMs, totalMs } = pipeline.stats;
        rows.push({
          model: label,
          config,
          generations,
          'unet calls': unetCalls,
          'JPEGs': jpegs,
          'ms/generation': (totalMs / generations).toFixed(2),
          'onnx share': `${((sessionMs / totalMs) * 100).toFixed(1)} %`,
          'overhead share': `${(((totalMs - sessionMs) / totalMs) * 100).toFixed(1)} %`,
          // The whole render: generate() plus the renderer's warps, blends, colour matching and frame bytes.
          'render: frames/s': frames ? (frames / (wallMs / 1000)).toFixed(0) : '–',
          'render: generate() share': frames ? `${((totalMs / wallMs) * 100).toFixed(0)} %` : '–',
        });
      }
      await pipeline.release();
    }
    console.log('\nDiffusion pipeline (guidance 7.5, batched; time outside session.run = overhead):');
    console.table(rows);
    const tok = await inference.ClipTokenizer.fromDirectory(join(dir, 'tiny', 'tokenizer'));
    const text = 'a river through the forest at sunset, watercolor style, 一只猫在城市的夜晚 ';
    let tokens = 0;
    const t0 = performance.now();
    for (let i = 0; i < 20000; i++) tokens += tok.tokenize(`${text}${i}`).length;
    console.log(`CLIP tokenizer: ${Math.round(tokens / secs(t0)).toLocaleString('en')} tokens/s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (!only || only === 'diffusion') await benchDiffusion();
if (!only) {
  await import('./planner-bench.mjs').then((m) => m.run());
  await import('./collab-bench.mjs').then((m) => m.run());
  await import('./filter-bench.mjs').then((m) => m.run());
  await import('./render-bench.mjs').then((m) => m.run());
  await import('./preview-bench.mjs').then((m) => m.run());
  await import('./worker-pool-bench.mjs').then((m) => m.run());
  await import('./fanout-bench.mjs').then((m) => m.run());
  await import('./collab-scaled-bench.mjs').then((m) => m.run());
  await import('./queue-bench.mjs').then((m) => m.run());
}
