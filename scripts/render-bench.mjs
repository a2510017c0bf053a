// Render benchmark (issue 13): what a one-scene edit of an eight-scene storyboard costs.
//
//  1. Assembly after the edit, from the last scene's clip to the finished MP4 (8 × 3 s at 1280×720,
//     crossfades, burnt-in Chinese subtitles, music), against ONE hand-written ffmpeg command that
//     does the whole edit in the same run. Target ≤ 0.25×.
//  2. A whole re-render after the edit (the changed scene drawn again, seven reused from the
//     cache, then assembly) as a share of a full render of all eight. Target ≤ 1/6.
//
// Scenes are drawn by the animatic renderer through the render worker's own code (runRenderJob),
// so the "draw" share is this machine's real cost without a model. Needs `npm run build` first.
// Prints the figures and whether each target is met; never fails on a time. The last line,
// `BENCH_JSON {…}`, is for reports to collect.
//
//   node scripts/render-bench.mjs          (also run by `npm run bench`)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const { runRenderJob, findCjkFontsDir } = require('../libs/inference/dist/index.js');
const { assembleVideo } = require('../apps/server/dist/media/assemble-video.js');

const TARGETS = { assemblyShare: 0.25, rerenderShare: 1 / 6 };
const WIDTH = 1280;
const HEIGHT = 720;
const FPS = 24;
const SCENES = 8;
const SECONDS = 3;

const secs = (t0) => (performance.now() - t0) / 1000;

function plan() {
  return {
    language: 'zh',
    title: '港口的一天',
    style: { style_prompt: '', negative_prompt: '', seed: 7, width: WIDTH, height: HEIGHT, fps: FPS },
    scenes: Array.from({ length: SCENES }, (_, i) => ({
      scene_number: i + 1,
      description: ['清晨的港口', '渔船出海', '海鸥盘旋', '集市开张', '孩子们奔跑', '午后的雨', '夕阳下的灯塔', '夜里的渔火'][i],
      subtitle: `第${i + 1}幕：港口的一天`,
      camera: { shot: 'wide', move: i % 2 ? 'pan-left' : 'zoom-in', speed: 1 },
      duration_sec: SECONDS,
      ...(i > 0 ? { transition: 'crossfade' } : {}),
    })),
  };
}

async function draw(dir, scenes) {
  const t0 = performance.now();
  const result = await runRenderJob({ taskId: 'bench', prompt: 'bench', workDir: dir, width: WIDTH, height: HEIGHT, fps: FPS, seed: 7, plan: { ...plan(), scenes } }, { posters: false });
  return { seconds: secs(t0), clips: result.scenes.map((s) => s.clip) };
}

/** The reference: one ffmpeg command over the whole edit, written by hand (xfade chain, subtitles, music). */
function handWritten(dir, clips, fontsDir) {
  const d = 0.5;
  const srt = clips
    .map((_, i) => {
      const start = i * (SECONDS - d) + (i ? d / 2 : 0);
      const end = (i + 1) * (SECONDS - d) + d / 2;
      const t = (s) => new Date(s * 1000).toISOString().slice(11, 23).replace('.', ',');
      return `${i + 1}\n${t(start)} --> ${t(end)}\n第${i + 1}幕：港口的一天\n`;
    })
    .join('\n');
  writeFileSync(join(dir, 'ref.srt'), srt);
  const total = SCENES * SECONDS - (SCENES - 1) * d;
  const chain = [];
  let last = '[0:v]';
  for (let i = 1; i < SCENES; i++) {
    const out = `[x${i}]`;
    chain.push(`${last}[${i}:v]xfade=transition=fade:duration=${d}:offset=${(i * (SECONDS - d)).toFixed(3)}${out}`);
    last = out;
  }
  chain.push(`${last}subtitles=${join(dir, 'ref.srt')}:fontsdir=${fontsDir}:force_style='FontName=WenQuanYi Micro Hei,FontSize=22,Outline=2'[v]`);
  chain.push(`[${SCENES}:a]atrim=duration=${total},afade=t=in:d=1,afade=t=out:st=${total - 2}:d=2[a]`);
  const t0 = performance.now();
  execFileSync('ffmpeg', [
    '-v', 'error', '-y',
    ...clips.flatMap((c) => ['-i', c.path]),
    '-f', 'lavfi', '-i', `sine=frequency=330:duration=${total + 1}`,
    '-filter_complex', chain.join(';'),
    '-map', '[v]', '-map', '[a]', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-movflags', '+faststart',
    join(dir, 'reference.mp4'),
  ]);
  return secs(t0);
}

async function assemble(dir, clips, musicPath, name) {
  const t0 = performance.now();
  await assembleVideo({
    clips: clips.map((c) => ({ path: c.path, duration: c.duration })),
    scenes: plan().scenes,
    outPath: join(dir, `${name}.mp4`),
    workDir: dir,
    width: WIDTH,
    height: HEIGHT,
    fps: FPS,
    language: 'zh',
    music: { path: musicPath, volume: 0.8, fadeInSec: 1, fadeOutSec: 2 },
  });
  return secs(t0);
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'reelcraft-render-bench-'));
  try {
    const fontsDir = findCjkFontsDir();
    if (!fontsDir) throw new Error('no CJK font: install fonts-wqy-microhei');
    const musicPath = join(dir, 'music.wav');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=330:duration=30', musicPath]);

    const full = await draw(join(dir, 'full'), plan().scenes);
    const reference = handWritten(dir, full.clips, fontsDir);
    const fullAssembly = await assemble(dir, full.clips, musicPath, 'full');
    // The edit: scene 5's description changes; the cache gives back the other seven clips as they were.
    const edited = { ...plan().scenes[4], description: '很多孩子们在码头奔跑' };
    const redraw = await draw(join(dir, 'edit'), [edited]);
    const clips = full.clips.map((c, i) => (i === 4 ? redraw.clips[0] : c));
    const editAssembly = await assemble(dir, clips, musicPath, 'edited');

    const fullRender = full.seconds + fullAssembly;
    const rerender = redraw.seconds + editAssembly;
    const rows = [
      { what: 'draw 8 scenes (animatic, 1280×720)', seconds: full.seconds.toFixed(2) },
      { what: 'hand-written ffmpeg command, whole edit (baseline)', seconds: reference.toFixed(2) },
      { what: 'our assembly, whole edit', seconds: fullAssembly.toFixed(2) },
      { what: 'draw the edited scene', seconds: redraw.seconds.toFixed(2) },
      { what: 'our assembly after the one-scene edit', seconds: editAssembly.toFixed(2) },
    ];
    console.log(`\nRender after a one-scene edit of ${SCENES} (${SCENES} × ${SECONDS} s at ${WIDTH}×${HEIGHT}, crossfades, burnt Chinese subtitles, music; ${cpus()[0]?.model.trim()}):`);
    console.table(rows);
    const assemblyShare = editAssembly / reference;
    const rerenderShare = rerender / fullRender;
    console.log(`assembly after the edit / hand-written whole-edit command: ${assemblyShare.toFixed(2)} (target ≤ ${TARGETS.assemblyShare}: ${assemblyShare <= TARGETS.assemblyShare ? 'met' : 'not met'})`);
    console.log(`re-render after the edit / full render: ${rerenderShare.toFixed(2)} = ${rerender.toFixed(1)} s / ${fullRender.toFixed(1)} s (target ≤ ${TARGETS.rerenderShare.toFixed(2)}: ${rerenderShare <= TARGETS.rerenderShare ? 'met' : 'not met'})`);
    console.log(
      `BENCH_JSON ${JSON.stringify({
        bench: 'render',
        date: new Date().toISOString(),
        cpu: cpus()[0]?.model.trim(),
        draw_full_s: full.seconds,
        reference_s: reference,
        assembly_full_s: fullAssembly,
        draw_one_s: redraw.seconds,
        assembly_edit_s: editAssembly,
        assembly_share: assemblyShare,
        rerender_share: rerenderShare,
        targets: TARGETS,
      })}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
