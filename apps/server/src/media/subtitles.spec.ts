import { describe, expect, it } from 'vitest';
import { planTimeline } from '@reelcraft/shared';
import {
  buildAssSubtitles,
  buildCues,
  buildSubtitleFiles,
  escapeAssText,
  fitText,
  formatAssTime,
  formatCueTime,
  renderSrt,
  renderVtt,
  sceneBoundaries,
  subtitleLayout,
  timelineCues,
  wrapSubtitleText,
} from './subtitles';

const scene = (n: number, subtitle: string) => ({ scene_number: n, subtitle });
const dialogues = (ass: string) => ass.split('\n').filter((l) => l.startsWith('Dialogue:'));

describe('formatAssTime', () => {
  it('writes H:MM:SS.cc', () => {
    expect(formatAssTime(0)).toBe('0:00:00.00');
    expect(formatAssTime(2)).toBe('0:00:02.00');
    expect(formatAssTime(3725.456)).toBe('1:02:05.46');
    expect(formatAssTime(59.999)).toBe('0:01:00.00');
  });
});

describe('sceneBoundaries', () => {
  it('accumulates the clip durations', () => {
    expect(sceneBoundaries([2, 3, 1])).toEqual([
      { start: 0, end: 2 },
      { start: 2, end: 5 },
      { start: 5, end: 6 },
    ]);
  });

  it('keeps cues contiguous and free of drift when durations are not on the centisecond grid', () => {
    const spans = sceneBoundaries(Array(10).fill(1.0042));
    for (let i = 1; i < spans.length; i++) expect(spans[i].start).toBe(spans[i - 1].end);
    // 10 × 1.0042 = 10.042 → 10.04, not 10 × 1.00.
    expect(spans[9].end).toBe(10.04);
  });

  it('rejects a negative duration', () => {
    expect(() => sceneBoundaries([1, -1])).toThrow(/invalid clip duration/);
  });

  it('shortens the timeline by each transition and switches scenes in its middle', () => {
    // Clips start at 0, 1.5 and 3 (0.5 s overlaps); the video ends at 5.
    expect(sceneBoundaries([2, 2, 2], [0, 0.5, 0.5])).toEqual([
      { start: 0, end: 1.75 },
      { start: 1.75, end: 3.25 },
      { start: 3.25, end: 5 },
    ]);
    // A cut in between (0) and an overlap given for the first scene (ignored: nothing before it).
    expect(sceneBoundaries([2, 3, 1], [0.4, 0, 1 / 3])).toEqual([
      { start: 0, end: 2 },
      { start: 2, end: 4.83 },
      { start: 4.83, end: 5.67 },
    ]);
    expect(() => sceneBoundaries([1, 1], [0, -0.5])).toThrow(/invalid transition length/);
  });
});

describe('buildAssSubtitles', () => {
  const scenes = [scene(1, '森林里有一条河流'), scene(2, ''), scene(3, '河水流向大海'), scene(4, '   ')];

  it('puts one cue per scene with a subtitle at its place on the accumulated timeline', () => {
    const ass = buildAssSubtitles(scenes, [2.04, 3, 1.5, 2], { width: 640, height: 360 });
    expect(dialogues(ass)).toEqual([
      'Dialogue: 0,0:00:00.00,0:00:02.04,Default,,0,0,0,,森林里有一条河流',
      // Scene 2 (empty) still occupies 2.04–5.04; scene 4 (blank) gets nothing.
      'Dialogue: 0,0:00:05.04,0:00:06.54,Default,,0,0,0,,河水流向大海',
    ]);
  });

  it('places cues on the timeline shortened by transitions', () => {
    const ass = buildAssSubtitles([scene(1, '一'), scene(2, '二'), scene(3, '三')], [2, 2, 2], { width: 640, height: 360 }, [0, 0.5, 0.5]);
    expect(dialogues(ass).map((d) => d.split(',').slice(1, 3).join(' '))).toEqual(['0:00:00.00 0:00:01.75', '0:00:01.75 0:00:03.25', '0:00:03.25 0:00:05.00']);
  });

  it('sizes the canvas to the video and styles the CJK font at the bottom centre', () => {
    const ass = buildAssSubtitles(scenes, [2, 3, 1, 2], { width: 1280, height: 720 });
    expect(ass).toContain('PlayResX: 1280\nPlayResY: 720');
    const style = ass.split('\n').find((l) => l.startsWith('Style: '))!.slice(7).split(',');
    expect(style[1]).toBe('WenQuanYi Micro Hei');
    expect(Number(style[2])).toBe(subtitleLayout(1280, 720).fontSize);
    expect(style[16]).not.toBe('0'); // outline
    expect(style[18]).toBe('2'); // Alignment: bottom centre
    expect(Number(style[21])).toBeGreaterThan(0); // MarginV
  });

  it('uses the given font family', () => {
    const ass = buildAssSubtitles([scene(1, 'x')], [1], { width: 640, height: 360, fontName: 'Noto Sans CJK SC' });
    expect(ass).toMatch(/^Style: Default,Noto Sans CJK SC,/m);
  });

  it('escapes override braces and backslashes, and turns explicit newlines into ASS line breaks', () => {
    const ass = buildAssSubtitles([scene(1, '{\\b1}粗体\\N第一行\n第二行')], [1], { width: 640, height: 360 });
    const text = dialogues(ass)[0].split(',,0,0,0,,')[1];
    expect(text).toBe('\\{\\\u2060b1\\}粗体\\\u2060N第一行\\N第二行');
    // No unescaped brace remains, so libass sees no override block.
    expect(text.replace(/\\[{}]/g, '')).not.toMatch(/[{}]/);
  });

  it('rejects scenes and durations of different lengths', () => {
    expect(() => buildAssSubtitles([scene(1, 'a')], [1, 2], { width: 640, height: 360 })).toThrow(/1 scenes but 2/);
  });
});

describe('escapeAssText', () => {
  it('leaves ordinary text alone and neutralises \\N, \\h and braces', () => {
    expect(escapeAssText('Hello, 世界!')).toBe('Hello, 世界!');
    expect(escapeAssText('a\\hb')).toBe('a\\\u2060hb');
    expect(escapeAssText('{x}')).toBe('\\{x\\}');
    expect(escapeAssText('a\r\nb\nc')).toBe('a b c');
  });
});

describe('wrapSubtitleText', () => {
  it('keeps a short line whole', () => {
    expect(wrapSubtitleText('森林里有一条河流', 20)).toEqual(['森林里有一条河流']);
  });

  it('breaks long Chinese text into balanced lines by character count', () => {
    const text = '清晨的阳光穿过茂密的森林照在蜿蜒的小河上河水闪着金色的光芒'; // 30 characters
    const lines = wrapSubtitleText(text, 23);
    expect(lines).toHaveLength(2);
    expect(lines.join('')).toBe(text);
    expect(Math.abs(lines[0].length - lines[1].length)).toBeLessThanOrEqual(1);
  });

  it('never starts a line with closing punctuation', () => {
    for (let max = 4; max <= 12; max++) {
      const lines = wrapSubtitleText('我们走进森林，听见鸟儿在歌唱。河水静静地流淌，一直流向远方！', max);
      for (const l of lines) expect(l).not.toMatch(/^[，。！、]/);
      expect(lines.join('')).toBe('我们走进森林，听见鸟儿在歌唱。河水静静地流淌，一直流向远方！');
    }
  });

  it('breaks English at spaces and never inside a word', () => {
    const lines = wrapSubtitleText('A quiet river winds through the ancient forest toward the distant sea', 20);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join(' ')).toBe('A quiet river winds through the ancient forest toward the distant sea');
    for (const l of lines) expect(l).not.toMatch(/^ | $/);
  });

  it('keeps an explicit line break', () => {
    expect(wrapSubtitleText('第一行\n第二行', 20)).toEqual(['第一行', '第二行']);
  });
});

describe('fitText', () => {
  it('shrinks the font of a very long subtitle instead of covering the picture', () => {
    const layout = subtitleLayout(640, 360);
    const fitted = fitText('河'.repeat(150), layout);
    expect(fitted.fontSize).toBeDefined();
    expect(fitted.fontSize!).toBeLessThan(layout.fontSize);
    expect(fitted.fontSize!).toBeGreaterThanOrEqual(Math.round(layout.fontSize * 0.7));
  });

  it('puts the smaller size into the cue as an override tag', () => {
    const ass = buildAssSubtitles([scene(1, '河'.repeat(150))], [3], { width: 640, height: 360 });
    expect(dialogues(ass)[0]).toMatch(/,,\{\\fs\d+\}河/);
    const cues = buildCues([scene(1, '短句')], [1], subtitleLayout(640, 360));
    expect(cues[0].fontSize).toBeUndefined();
  });
});

describe('subtitle style', () => {
  const style = (ass: string) => ass.split('\n').find((l) => l.startsWith('Style: '))!.slice(7).split(',');

  it('places burnt-in text at the top or in the middle, at the given size and outline', () => {
    const top = style(buildAssSubtitles([scene(1, 'x')], [1], { width: 640, height: 360, style: { position: 'top', fontSize: 30, outline: 3 } }));
    expect([top[2], top[16], top[18]]).toEqual(['30', '3', '8']);
    expect(style(buildAssSubtitles([scene(1, 'x')], [1], { width: 640, height: 360, style: { position: 'middle' } }))[18]).toBe('5');
  });

  it('wraps to the width the chosen size leaves', () => {
    expect(subtitleLayout(640, 360, { fontSize: 50 }).maxLineUnits).toBeLessThan(subtitleLayout(640, 360).maxLineUnits);
  });

  it('rejects a size, outline or position that cannot be drawn', () => {
    expect(() => subtitleLayout(640, 360, { fontSize: 0 })).toThrow(/font size/);
    expect(() => subtitleLayout(640, 360, { outline: -1 })).toThrow(/outline/);
    expect(() => subtitleLayout(640, 360, { position: 'left' as never })).toThrow(/position must be one of bottom, middle, top/);
  });
});

describe('SRT and WebVTT', () => {
  const cues = buildCues([scene(1, '森林里有一条河流'), scene(2, ''), scene(3, 'Fish & <chips> --> sea')], [2.04, 3, 3725.5], subtitleLayout(640, 360));

  it('writes times to the millisecond, hours included', () => {
    expect(formatCueTime(0, ',')).toBe('00:00:00,000');
    expect(formatCueTime(3725.456, '.')).toBe('01:02:05.456');
    expect(formatCueTime(59.9996, ',')).toBe('00:01:00,000');
  });

  it('numbers SRT cues and keeps their text; a text line never reads as a timing line', () => {
    expect(renderSrt(cues)).toBe('1\n00:00:00,000 --> 00:00:02,040\n森林里有一条河流\n\n2\n00:00:05,040 --> 01:02:10,540\nFish & <chips> -> sea\n\n');
  });

  it('escapes WebVTT text', () => {
    expect(renderVtt(cues)).toBe('WEBVTT\n\n00:00:00.000 --> 00:00:02.040\n森林里有一条河流\n\n00:00:05.040 --> 01:02:10.540\nFish &amp; &lt;chips&gt; -&gt; sea\n\n');
  });

  it('keeps the wrapped lines of the video', () => {
    const long = buildCues([scene(1, '清晨的阳光穿过茂密的森林照在蜿蜒的小河上河水闪着金色的光芒')], [3], subtitleLayout(320, 180));
    expect(long[0].lines.length).toBeGreaterThan(1);
    expect(renderSrt(long).split('\n').slice(2, 2 + long[0].lines.length)).toEqual(long[0].lines);
  });

  it('builds both files from a planned timeline, cues switching in the middle of each transition', () => {
    const scenes = [scene(1, '一'), scene(2, '二'), scene(3, '三')];
    const timeline = planTimeline([2, 2, 2], [undefined, 'crossfade', 'fade-black'], 24);
    const files = buildSubtitleFiles(timeline, scenes);
    expect(files.cues.map((c) => [c.start, c.end])).toEqual([
      [0, 1.75],
      [1.75, 3.25],
      [3.25, 5],
    ]);
    expect(files.srt).toContain('2\n00:00:01,750 --> 00:00:03,250\n二\n');
    expect(files.vtt).toContain('00:00:03.250 --> 00:00:05.000\n三\n');
    // The same cues as the clip-duration route the burnt-in ASS has always taken.
    expect(files.cues).toEqual(buildCues(scenes, [2, 2, 2], { ...subtitleLayout(1920, 1080), maxLineUnits: Infinity }, timeline.overlaps));
  });

  it('wraps like the video when given its size, and leaves the lines whole without one', () => {
    const scenes = [scene(1, 'A quiet river winds through the ancient forest toward the distant sea')];
    const timeline = planTimeline([3], [], 24);
    expect(buildSubtitleFiles(timeline, scenes).cues[0].lines).toHaveLength(1);
    const sized = buildSubtitleFiles(timeline, scenes, { width: 320, height: 180 });
    expect(sized.cues).toEqual(timelineCues(timeline, scenes, subtitleLayout(320, 180)));
    expect(sized.cues[0].lines.length).toBeGreaterThan(1);
  });
});
