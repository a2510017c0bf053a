import type { Camera, Language } from '@reelcraft/shared';
import { pick } from '../util/hash';

/**
 * The wording of rule-based scenes, one table per language. Descriptions double as the renderer's
 * visual prompt (the animatic picks its scenery from their words, a diffusion model would read
 * them whole), so they name the subject in every scene to keep the scenery coherent.
 */
export interface ScenePhrases {
  opening(subject: string, camera: Camera, n: number): { description: string; subtitle: string };
  /** `n` grows by one per scene, so consecutive scenes get different wording. */
  item(subject: string, item: string, camera: Camera, n: number): { description: string; subtitle: string };
  detail(subject: string, n: number): { description: string; subtitle: string };
  journey(subject: string, n: number): { description: string; subtitle: string };
  closing(subject: string, night: boolean, n: number): { description: string; subtitle: string };
  /** Joins several items into one scene when there are more things to show than scenes. */
  join(items: string[]): string;
  /** Shortens text for places that must stay short (subtitles, titles). */
  maxSubjectInSubtitle: number;
  maxItemInSubtitle: number;
}

const ZH_MOODS = ['光影柔和', '色彩饱满', '氛围宁静', '充满生机', '层次分明', '温暖的自然光'];
const EN_MOODS = ['soft light', 'rich colours', 'a calm atmosphere', 'full of life', 'layered depth', 'warm natural light'];

const zh: ScenePhrases = {
  opening(s, camera, n) {
    const view = camera.shot === 'aerial' ? '航拍俯瞰' : '远景';
    return {
      description: `开场${view}：${s}在眼前徐徐展开，天空开阔，${pick(ZH_MOODS, n)}，电影感构图`,
      subtitle: pick([`一起走进${s}。`, `故事从${s}开始。`, `这是关于${s}的故事。`], n >> 4),
    };
  },
  item(s, item, camera, n) {
    const mood = pick(ZH_MOODS, n);
    const description =
      camera.shot === 'close-up'
        ? `特写：${item}的细节，背景是${s}，${mood}`
        : camera.shot === 'wide' || camera.shot === 'aerial'
          ? `远景：${s}中的${item}，视野开阔，${mood}`
          : `中景：${s}里的${item}，${mood}`;
    const subtitle = pick([`眼前是${item}。`, `我们遇见了${item}。`, `镜头转向${item}。`, `${item}，静静地出现在眼前。`], n);
    return { description, subtitle };
  },
  detail(s, n) {
    return {
      description: `特写：${s}的细节，近处的纹理与光影，${pick(ZH_MOODS, n)}`,
      subtitle: `细看${s}，处处是细节。`,
    };
  },
  journey(s, n) {
    return {
      description: `中景：镜头穿行在${s}之中，画面富有动感，${pick(ZH_MOODS, n)}`,
      subtitle: `${s}的故事继续展开。`,
    };
  },
  closing(s, night, n) {
    const light = night ? '夜色中的' : '夕阳余晖中的';
    return {
      description: `结尾远景：${light}${s}，画面缓缓收束，余韵悠长`,
      subtitle: pick([`${s}，未完待续。`, `${s}的旅程暂告一段落。`, `再见了，${s}。`], n >> 4),
    };
  },
  join: (items) => items.join('、'),
  maxSubjectInSubtitle: 24,
  maxItemInSubtitle: 40,
};

const en: ScenePhrases = {
  opening(s, camera, n) {
    const view = camera.shot === 'aerial' ? 'Aerial establishing view' : 'Establishing wide shot';
    return {
      description: `${view} of ${s}: the whole scene unfolds under an open sky, ${pick(EN_MOODS, n)}, cinematic composition`,
      subtitle: pick([`Welcome to ${s}.`, `Our story begins with ${s}.`, `This is ${s}.`], n >> 4),
    };
  },
  item(s, item, camera, n) {
    const mood = pick(EN_MOODS, n);
    const description =
      camera.shot === 'close-up'
        ? `Close-up of ${item}, with ${s} in the background, ${mood}`
        : camera.shot === 'wide' || camera.shot === 'aerial'
          ? `Wide shot of ${item} within ${s}, open view, ${mood}`
          : `Medium shot of ${item} in ${s}, ${mood}`;
    const subtitle = pick([`Then comes ${item}.`, `Look closer: ${item}.`, `We find ${item}.`, `Now the camera turns to ${item}.`], n);
    return { description, subtitle };
  },
  detail(s, n) {
    return {
      description: `Close-up details of ${s}: textures and light up close, ${pick(EN_MOODS, n)}`,
      subtitle: `Look closer at ${s}.`,
    };
  },
  journey(s, n) {
    return {
      description: `Medium tracking shot moving through ${s}, lively motion, ${pick(EN_MOODS, n)}`,
      subtitle: `The story of ${s} goes on.`,
    };
  },
  closing(s, night, n) {
    const light = night ? 'under the night sky' : 'in the glow of sunset';
    return {
      description: `Closing wide shot of ${s} ${light}, the frame slowly settles`,
      subtitle: pick([`And that was ${s}.`, `Until next time, ${s}.`, `The story of ${s} ends here.`], n >> 4),
    };
  },
  join: (items) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`),
  maxSubjectInSubtitle: 48,
  maxItemInSubtitle: 80,
};

export function phrasesFor(language: Language): ScenePhrases {
  return language === 'zh' ? zh : en;
}
