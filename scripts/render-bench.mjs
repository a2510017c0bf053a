// Render benchmark (issue 13): what a one-scene edit of an eight-scene storyboard costs.
//
//  1. Assembly after the edit, from the last scene's clip to the finished MP4 (8 × 3 s at 1280×720,
//     crossfades, burnt-in Chinese subtitles, music), against ONE hand-written ffmpeg command that
//     does the whole edit in the same run. Target ≤ 0.25×. The assembly runs as the server runs it,
//     with a segment cache: the first, full assembly fills it (its time is printed too), the one
//     after the edit re-encodes only the changed scene's segments. The edit and the reference run
//     ROUNDS times, interleaved, and their medians are compared.
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
import { compare, isMain, median, ratioAtMost } from './bench-report.mjs';

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
/** Rounds of (reference, edit, assembly after it); the medians are compared. */
const ROUNDS = 3;
const EDITS = ['很多孩子们在码头奔跑', '孩子们在沙滩上放风筝', '一只小狗追着孩子们跑'];

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
  const result = await assembleVideo({
    // The server's takes carry their clip's sha256, as the worker's clips do here.
    clips: clips.map((c) => ({ path: c.path, duration: c.duration, sha256: c.sha256 })),
    scenes: plan().scenes,
    outPath: join(dir, `${name}.mp4`),
    workDir: dir,
    width: WIDTH,
    height: HEIGHT,
    fps: FPS,
    language: 'zh',
    music: { path: musicPath, volume: 0.8, fadeInSec: 1, fadeOutSec: 2 },
    segmentCacheDir: join(dir, 'segments'),
  });
  return { seconds: secs(t0), segments: result.segments };
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'reelcraft-render-bench-'));
  try {
    const fontsDir = findCjkFontsDir();
    if (!fontsDir) throw new Error('no CJK font: install fonts-wqy-microhei');
    const musicPath = join(dir, 'music.wav');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=330:duration=30', musicPath]);

    const full = await draw(join(dir, 'full'), plan().scenes);
    const references = [handWritten(dir, full.clips, fontsDir)];
    const { seconds: fullAssembly, segments: fullSegments } = await assemble(dir, full.clips, musicPath, 'full');
    // The edit: scene 5's description changes; the cache gives back the other seven clips as they
    // were. Done ROUNDS times with another description each time, each beside a run of the
    // reference, and the medians compared: on a small shared machine one run of either can be
    // slowed by a second or more by whatever else runs.
    const redraws = [];
    const edits = [];
    for (let r = 0; r < ROUNDS; r++) {
      if (r > 0) references.push(handWritten(dir, full.clips, fontsDir));
      const edited = { ...plan().scenes[4], description: EDITS[r % EDITS.length] };
      const redraw = await draw(join(dir, `edit-${r}`), [edited]);
      redraws.push(redraw.seconds);
      edits.push(await assemble(dir, full.clips.map((c, i) => (i === 4 ? redraw.clips[0] : c)), musicPath, `edited-${r}`));
    }
    const reference = median(references);
    const editAssembly = median(edits.map((e) => e.seconds));
    const redrawSeconds = median(redraws);
    const editSegments = edits[0].segments;
    const count = (s) => (s ? `${s.encoded} segments encoded, ${s.reused} reused, audio ${s.audio ?? 'none'}` : 'not segmented');
    const spread = (xs) => (xs.length > 1 ? ` (runs: ${xs.map((x) => x.toFixed(2)).join(', ')})` : '');

    const fullRender = full.seconds + fullAssembly;
    const rerender = redrawSeconds + editAssembly;
    const rows = [
      { what: 'draw 8 scenes (animatic, 1280×720)', seconds: full.seconds.toFixed(2) },
      { what: `hand-written ffmpeg command, whole edit (baseline, median${spread(references)})`, seconds: reference.toFixed(2) },
      { what: `our assembly, whole edit, filling the cache (${count(fullSegments)})`, seconds: fullAssembly.toFixed(2) },
      { what: `draw the edited scene (median${spread(redraws)})`, seconds: redrawSeconds.toFixed(2) },
      { what: `our assembly after the one-scene edit (${count(editSegments)}; median${spread(edits.map((e) => e.seconds))})`, seconds: editAssembly.toFixed(2) },
    ];
    console.log(`\nRender after a one-scene edit of ${SCENES} (${SCENES} × ${SECONDS} s at ${WIDTH}×${HEIGHT}, crossfades, burnt Chinese subtitles, music; ${cpus()[0]?.model.trim()}):`);
    console.table(rows);
    const assemblyShare = editAssembly / reference;
    console.log(`first full assembly (fills the segment cache) / hand-written whole-edit command: ${(fullAssembly / references[0]).toFixed(2)} (the reference run beside it)`);
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
        reference_runs_s: references,
        assembly_full_s: fullAssembly,
        assembly_full_share: fullAssembly / references[0],
        segments_full: fullSegments,
        segments_edit: editSegments,
        draw_one_s: redrawSeconds,
        assembly_edit_s: editAssembly,
        assembly_edit_runs_s: edits.map((e) => e.seconds),
        assembly_share: assemblyShare,
        rerender_share: rerenderShare,
        targets: TARGETS,
      })}`,
    );

    const bench = 'render';
    const handWrittenLabel = `one hand-written ffmpeg command over the whole edit (median of ${ROUNDS})`;
    return [
      compare({
        bench,
        figure: `assembly after a one-scene edit of ${SCENES} (1280×720, crossfades, subtitles, music; median of ${ROUNDS})`,
        value: editAssembly,
        unit: 's',
        baseline: reference,
        baselineLabel: handWrittenLabel,
        target: ratioAtMost(TARGETS.assemblyShare),
      }),
      compare({
        bench,
        figure: 'assembly after the edit, segment cache filled',
        value: editAssembly,
        unit: 's',
        baseline: fullAssembly,
        baselineLabel: 'the first full assembly, which fills the cache',
        note: count(editSegments),
      }),
      compare({ bench, figure: 'first full assembly, filling the segment cache', value: fullAssembly, unit: 's', baseline: references[0], baselineLabel: 'the hand-written command run beside it' }),
      compare({
        bench,
        figure: 'whole re-render after the edit: one scene drawn, seven from the cache, assembly',
        value: rerender,
        unit: 's',
        baseline: fullRender,
        baselineLabel: `a full render of all ${SCENES} scenes`,
        target: ratioAtMost(TARGETS.rerenderShare, 'ratio ≤ 1/6'),
      }),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await run();
