// Where the time of one video goes without a model: the forest prompt planned by the rule-based
// planner, drawn by the animatic renderer, encoded and assembled, at 640×360 and 1280×720, each
// part beside a baseline from the same run. Needs `npm run build` first. Numbers only; nothing
// here asserts a time.
//
//   node scripts/pipeline-bench.mjs          (also run by `npm run bench`)
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compare, isMain } from './bench-report.mjs';

const require = createRequire(import.meta.url);
const inference = require('../libs/inference/dist/index.js');
const { assembleVideo, findCjkFontsDir } = require('../apps/server/dist/media/assemble-video.js');

export const PROMPT = '制作一段关于森林探险的短视频，包含河流和小动物';
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

export async function run() {
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
  console.log(`\nRender pipeline without a model (prompt: ${PROMPT}):`);
  console.table(table);
  console.log('pipeline / (draw + baseline) < 1 means drawing and encoding overlap (ffmpeg encodes while the next frame is drawn).');

  const bench = 'pipeline';
  return rows.flatMap((r) => [
    compare({ bench, figure: `animatic drawing, ${r.size}`, value: (r.draw / r.frames) * 1000, unit: 'ms/frame', baseline: 1000 / fps, baselineLabel: `one frame's time at ${fps} fps` }),
    compare({
      bench,
      figure: `render worker: plan + draw + encode ${r.frames} frames, ${r.size}`,
      value: r.pipeline,
      unit: 's',
      baseline: r.draw + r.encodeStill,
      baselineLabel: 'drawing alone + the encoder alone on a still',
      note: 'below 1× drawing and encoding overlap',
    }),
    compare({ bench, figure: `assembly: concat + burnt-in subtitles, ${r.size}`, value: r.assemble, unit: 's', baseline: r.video_s, baselineLabel: 'the video’s length' }),
    compare({ bench, figure: `whole video: worker + assembly, ${r.size}`, value: r.pipeline + r.assemble, unit: 's', baseline: r.video_s, baselineLabel: 'the video’s length', note: 'below 1× is faster than real time' }),
  ]);
}

if (isMain(import.meta.url)) await run();
