import { hashString, seededRandom } from '../util/hash';

/**
 * What a scene looks like, decided from the words of its description alone (plus the seed):
 * which scenery elements appear, at what time of day, in which colours. Kept separate from the
 * drawing code so the choice can be tested without pixels.
 */
export type TimeOfDay = 'day' | 'dawn' | 'dusk' | 'night';

export interface SceneFeatures {
  forest: boolean;
  river: boolean;
  sea: boolean;
  city: boolean;
  mountains: boolean;
  animals: boolean;
  birds: boolean;
  snow: boolean;
  rain: boolean;
  flowers: boolean;
  desert: boolean;
  space: boolean;
  lighthouse: boolean;
  boats: boolean;
  houses: boolean;
}

export type Rgb = readonly [number, number, number];

export interface Palette {
  skyTop: Rgb;
  skyBottom: Rgb;
  far: Rgb;
  mid: Rgb;
  near: Rgb;
  ground: Rgb;
  water: Rgb;
  foliage: Rgb;
  accent: Rgb;
  sun: Rgb;
}

export interface SceneStyle {
  /** Seeds every random placement so the same scene always draws the same shapes. */
  seed: number;
  time: TimeOfDay;
  features: SceneFeatures;
  palette: Palette;
  /** Horizon height as a fraction of the backdrop height. */
  horizon: number;
  /** Where the sun or moon sits, as fractions of the backdrop size. */
  sunX: number;
  sunY: number;
}

/** Chinese has no word boundaries, English needs them ("streets" must not mean trees). */
function words(zh: string, en: string): RegExp {
  return new RegExp(`${zh}|\\b(?:${en})\\b`, 'i');
}

const KEYWORDS: Record<keyof SceneFeatures, RegExp> = {
  forest: words('森林|树林|丛林|林间|树|竹', 'forests?|woods?|woodland|jungle|trees?|bamboo'),
  river: words('河|溪|江|湖|水|瀑布|池塘', 'rivers?|streams?|creeks?|lakes?|water|waterfalls?|ponds?'),
  sea: words('海|洋|浪|沙滩|海滩|岛|港', 'seas?|oceans?|beach|waves?|coast|shore|island|harbou?r|lighthouse'),
  city: words('城市|都市|城|街|楼|霓虹', 'city|cities|streets?|buildings?|urban|skyline|downtown|neon|town'),
  mountains: words('山|峰|岭|谷', 'mountains?|hills?|peaks?|valley|alps'),
  animals: words('动物|鹿|兔|狐|熊|猫|狗|马|牛|羊|松鼠', 'animals?|deer|rabbits?|fox(?:es)?|bears?|cats?|dogs?|horses?|cows?|sheep|squirrels?|wildlife'),
  birds: words('鸟|鸽|鹰|鸥|雁', 'birds?|doves?|eagles?|gulls?|seagulls?|geese'),
  snow: words('雪|冬|冰', 'snow|snowy|winter|ice|icy|frozen|frost'),
  rain: words('雨', 'rain|rainy|storm|drizzle'),
  flowers: words('花|春|草地|草原|花园', 'flowers?|blossoms?|spring|garden|meadows?'),
  desert: words('沙漠|沙丘|戈壁', 'deserts?|dunes?|sahara'),
  space: words('太空|宇宙|银河|行星|星球', 'space|galaxy|galaxies|planets?|universe|cosmos|astronauts?'),
  lighthouse: words('灯塔', 'lighthouses?'),
  boats: words('船|帆|舟|渔港', 'boats?|ships?|sail(?:ing|boats?)?|yachts?|fishing'),
  houses: words('村|房|屋|小镇|农场|木屋', 'village|houses?|homes?|cottages?|farms?|cabins?|huts?'),
};

const TIME_WORDS: [TimeOfDay, RegExp][] = [
  ['night', words('夜|星空|月光|月亮', 'night|midnight|moon|moonlit|starry|stars')],
  ['dusk', words('夕阳|黄昏|日落|傍晚|余晖|晚霞', 'sunset|dusk|evening|twilight')],
  ['dawn', words('清晨|日出|黎明|早晨|朝阳', 'sunrise|dawn|morning')],
];

/**
 * @param theme text shared by every scene of a video (e.g. its title). When a description names
 *   no known scenery, the landscape is chosen from the theme, so all scenes of one video still
 *   look like one place; without a theme the description itself decides.
 */
export function deriveSceneStyle(description: string, seed = 0, theme?: string): SceneStyle {
  const styleSeed = hashString(description, hashString(String(seed)));
  const random = seededRandom(styleSeed);
  const features = Object.fromEntries(
    (Object.keys(KEYWORDS) as (keyof SceneFeatures)[]).map((k) => [k, KEYWORDS[k].test(description)]),
  ) as unknown as SceneFeatures;
  if (features.space) features.forest = features.city = features.river = features.houses = false;
  // A lighthouse or a boat stands by (or on) the sea, whether or not the sea is named.
  if (features.lighthouse || features.boats) features.sea = features.sea || !features.river;

  const anyScenery = features.forest || features.river || features.sea || features.city || features.mountains || features.desert || features.space;
  if (!anyScenery) {
    // Nothing recognisable: still a landscape, but a seeded choice, so unrelated prompts do not
    // all look alike.
    const pickRandom = seededRandom(hashString(theme ?? description, hashString(String(seed))));
    const options: (keyof SceneFeatures)[] = ['forest', 'river', 'sea', 'city', 'mountains', 'desert', 'flowers'];
    features[options[Math.floor(pickRandom() * options.length)]!] = true;
    if (pickRandom() < 0.5) features.mountains = true;
    if (pickRandom() < 0.4) features.birds = true;
  }

  const time = TIME_WORDS.find(([, re]) => re.test(description))?.[0] ?? (features.space ? 'night' : 'day');
  const palette = makePalette(time, features, random);
  return {
    seed: styleSeed,
    time,
    features,
    palette,
    horizon: features.sea ? 0.5 + random() * 0.06 : 0.52 + random() * 0.1,
    // Right of centre: the top-left corner belongs to the label.
    sunX: 0.58 + random() * 0.27,
    sunY: time === 'dusk' || time === 'dawn' ? 0.3 + random() * 0.1 : 0.12 + random() * 0.14,
  };
}

function makePalette(time: TimeOfDay, f: SceneFeatures, random: () => number): Palette {
  // A per-description hue shift keeps sibling scenes related (same keywords) but not identical.
  const shift = (random() - 0.5) * 24;
  const groundHue = f.desert ? 38 : f.snow ? 205 : f.forest ? 115 : f.city ? 230 : 95 + (random() - 0.5) * 50;
  const groundSat = f.snow ? 0.15 : f.desert ? 0.55 : f.city ? 0.12 : 0.42;
  const light = time === 'night' ? 0.45 : time === 'dusk' ? 0.75 : 1;
  const g = (h: number, s: number, l: number): Rgb => hsl(h + shift, s, Math.min(0.95, l * light));

  let skyTop: Rgb;
  let skyBottom: Rgb;
  let sun: Rgb;
  switch (time) {
    case 'night':
      skyTop = hsl(228 + shift, 0.55, 0.08);
      skyBottom = hsl(245 + shift, 0.4, 0.24);
      sun = [236, 238, 222];
      break;
    case 'dusk':
      skyTop = hsl(265 + shift, 0.45, 0.32);
      skyBottom = hsl(24 + shift, 0.9, 0.62);
      sun = [255, 170, 80];
      break;
    case 'dawn':
      skyTop = hsl(210 + shift, 0.5, 0.55);
      skyBottom = hsl(35 + shift, 0.85, 0.78);
      sun = [255, 214, 150];
      break;
    default:
      skyTop = hsl((f.desert ? 205 : 208) + shift, 0.62, 0.5);
      skyBottom = hsl(195 + shift, 0.55, 0.84);
      sun = [255, 246, 205];
  }
  if (f.rain) {
    skyTop = mix(skyTop, [90, 96, 108], 0.6);
    skyBottom = mix(skyBottom, [150, 156, 166], 0.6);
  }
  return {
    skyTop,
    skyBottom,
    far: mix(g(groundHue + 40, groundSat * 0.5, 0.62), skyBottom, 0.45),
    mid: g(groundHue + 10, groundSat, 0.4),
    near: g(groundHue, groundSat + 0.05, 0.28),
    ground: g(groundHue - 5, groundSat, f.snow ? 0.9 : 0.33),
    water: time === 'night' ? hsl(220 + shift, 0.5, 0.22) : hsl(200 + shift, 0.6, f.sea ? 0.42 : 0.5),
    foliage: f.snow ? hsl(150 + shift, 0.25, 0.3 * light) : hsl(125 + shift, 0.45, 0.27 * light),
    accent: hsl(random() * 360, 0.75, 0.6),
    sun,
  };
}

export function hsl(h: number, s: number, l: number): Rgb {
  const hue = (((h % 360) + 360) % 360) / 360;
  const sat = Math.max(0, Math.min(1, s));
  const lig = Math.max(0, Math.min(1, l));
  const q = lig < 0.5 ? lig * (1 + sat) : lig + sat - lig * sat;
  const p = 2 * lig - q;
  const channel = (t: number) => {
    const tt = t < 0 ? t + 1 : t > 1 ? t - 1 : t;
    const v = tt < 1 / 6 ? p + (q - p) * 6 * tt : tt < 1 / 2 ? q : tt < 2 / 3 ? p + (q - p) * (2 / 3 - tt) * 6 : p;
    return Math.round(v * 255);
  };
  return [channel(hue + 1 / 3), channel(hue), channel(hue - 1 / 3)];
}

export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [Math.round(a[0] + (b[0] - a[0]) * t), Math.round(a[1] + (b[1] - a[1]) * t), Math.round(a[2] + (b[2] - a[2]) * t)];
}

export function css(c: Rgb, alpha = 1): string {
  return alpha >= 1 ? `rgb(${c[0]},${c[1]},${c[2]})` : `rgba(${c[0]},${c[1]},${c[2]},${alpha})`;
}
