import type { SKRSContext2D } from './canvas';
import { seededRandom } from '../util/hash';
import { css, mix, type Rgb, type SceneStyle } from './scene-style';

/**
 * The still scenery of a scene, painted once into a canvas larger than the frame; the camera
 * then moves over it. Everything is sized relative to the backdrop height so a 1280×720 render
 * looks like a sharper 640×360 one, not a different picture.
 */
export interface BackdropLayout {
  width: number;
  height: number;
  horizonY: number;
  /** The surface line that walking sprites follow, in backdrop pixels. */
  groundAt(x: number): number;
  river: RiverShape | null;
  /** Top of the sea (the horizon) when there is one. */
  seaTop: number | null;
  /** The lighthouse lamp, whose beam the motion layer sweeps. */
  lamp: { x: number; y: number } | null;
  /** Where a zoom-in should end: the most interesting point of the picture. */
  focusX: number;
  focusY: number;
  sunX: number;
  sunY: number;
}

export interface RiverShape {
  top: number;
  bottom: number;
  centerAt(y: number): number;
  halfWidthAt(y: number): number;
}

export function paintBackdrop(ctx: SKRSContext2D, style: SceneStyle, width: number, height: number): BackdropLayout {
  const { palette: pal, features: f } = style;
  const random = seededRandom(style.seed ^ 0x9e3779b9);
  const u = height / 504; // one "unit" is a pixel of a 640×360 render's backdrop
  const horizonY = height * style.horizon;
  const sunX = width * style.sunX;
  const sunY = height * style.sunY;

  paintSky(ctx, style, width, height, horizonY);
  if (style.time === 'night' || f.space) paintStars(ctx, random, width, horizonY, u, f.space ? 320 : 170);
  if (f.space) paintPlanet(ctx, random, width, height, u, pal.accent);
  if (!f.rain) paintSun(ctx, style, sunX, sunY, u);

  // Far ridges always exist, mountains make them tall; they give depth to any scene.
  if (f.mountains) paintRidge(ctx, random, width, height, horizonY - height * 0.1, height * 0.2, 14, mix(pal.far, pal.skyBottom, 0.25), true, f.snow);
  paintRidge(ctx, random, width, height, horizonY - height * 0.02, height * 0.05, 6, pal.far, false, false);
  if (f.city) paintSkyline(ctx, random, width, horizonY, u, style);
  if (f.desert) paintDunes(ctx, random, width, height, horizonY, pal);

  let seaTop: number | null = null;
  let groundBase = horizonY + height * 0.07;
  if (f.sea) {
    seaTop = horizonY;
    paintSea(ctx, style, width, height, horizonY, sunX);
    // A beach in the foreground gives walking sprites somewhere to stand.
    groundBase = height * 0.86;
  }
  const ridge = ridgeFunction(random, width, groundBase, height * (f.sea ? 0.025 : 0.035));
  paintGround(ctx, width, height, ridge, f.sea ? mix(pal.ground, [226, 206, 160], 0.7) : pal.ground, pal.near);

  const river = f.river && !f.sea ? paintRiver(ctx, random, style, width, height, horizonY) : null;
  let lamp: { x: number; y: number } | null = null;
  if (f.lighthouse && seaTop !== null) lamp = paintLighthouse(ctx, random, style, width, height, horizonY, u);
  if (f.houses) paintHouses(ctx, random, style, width, ridge, river, u);
  if (f.forest) paintForest(ctx, random, style, width, height, horizonY, ridge, river, u);
  else if (!f.city && !f.desert && !f.sea) paintScatteredTrees(ctx, random, style, width, ridge, river, u);
  if (f.flowers) paintFlowers(ctx, random, width, height, horizonY, river, u, pal.accent);

  // Zooms close in on the land near the horizon (or the river), where the subject lives; the
  // sun would leave a frame of empty sky behind the label.
  const focusX = river ? river.centerAt(horizonY + height * 0.15) : width * (0.4 + random() * 0.2);
  const focusY = river ? horizonY + height * 0.1 : horizonY - height * 0.02;
  return { width, height, horizonY, groundAt: ridge, river, seaTop, lamp, focusX: lamp?.x ?? focusX, focusY: lamp ? (lamp.y + horizonY) / 2 : focusY, sunX, sunY };
}

function paintSky(ctx: SKRSContext2D, style: SceneStyle, width: number, height: number, horizonY: number): void {
  const sky = ctx.createLinearGradient(0, 0, 0, horizonY);
  sky.addColorStop(0, css(style.palette.skyTop));
  sky.addColorStop(1, css(style.palette.skyBottom));
  ctx.fillStyle = sky;
  ctx.fillRect(0, 0, width, height);
}

function paintStars(ctx: SKRSContext2D, random: () => number, width: number, horizonY: number, u: number, count: number): void {
  for (let i = 0; i < count; i++) {
    const r = (0.4 + random() * 1.1) * u;
    ctx.fillStyle = `rgba(255,255,${220 + Math.floor(random() * 35)},${0.35 + random() * 0.6})`;
    ctx.beginPath();
    ctx.arc(random() * width, random() * horizonY * 0.95, r, 0, Math.PI * 2);
    ctx.fill();
  }
}

function paintPlanet(ctx: SKRSContext2D, random: () => number, width: number, height: number, u: number, accent: Rgb): void {
  const x = width * (0.6 + random() * 0.25);
  const y = height * (0.2 + random() * 0.15);
  const r = 60 * u;
  const body = ctx.createRadialGradient(x - r * 0.4, y - r * 0.4, r * 0.1, x, y, r);
  body.addColorStop(0, css(mix(accent, [255, 255, 255], 0.5)));
  body.addColorStop(1, css(mix(accent, [0, 0, 20], 0.6)));
  ctx.fillStyle = body;
  ctx.beginPath();
  ctx.arc(x, y, r, 0, Math.PI * 2);
  ctx.fill();
  ctx.strokeStyle = css(mix(accent, [255, 255, 255], 0.6), 0.7);
  ctx.lineWidth = 3 * u;
  ctx.beginPath();
  ctx.ellipse(x, y, r * 1.7, r * 0.35, -0.3, 0, Math.PI * 2);
  ctx.stroke();
}

function paintSun(ctx: SKRSContext2D, style: SceneStyle, x: number, y: number, u: number): void {
  const night = style.time === 'night';
  const r = (night ? 20 : style.time === 'day' ? 24 : 34) * u;
  const glow = ctx.createRadialGradient(x, y, r * 0.5, x, y, r * 6);
  glow.addColorStop(0, css(style.palette.sun, night ? 0.3 : 0.55));
  glow.addColorStop(1, css(style.palette.sun, 0));
  ctx.fillStyle = glow;
  ctx.fillRect(x - r * 6, y - r * 6, r * 12, r * 12);
  ctx.fillStyle = css(style.palette.sun);
  ctx.beginPath();
  ctx.arc(x, y, r, 0, Math.PI * 2);
  ctx.fill();
  if (night) {
    // A crescent: cover most of the disc with sky colour.
    ctx.fillStyle = css(mix(style.palette.skyTop, style.palette.skyBottom, 0.3));
    ctx.beginPath();
    ctx.arc(x + r * 0.45, y - r * 0.2, r * 0.9, 0, Math.PI * 2);
    ctx.fill();
  }
}

function paintRidge(
  ctx: SKRSContext2D,
  random: () => number,
  width: number,
  height: number,
  baseY: number,
  amplitude: number,
  peaks: number,
  color: Rgb,
  jagged: boolean,
  snowCaps: boolean,
): void {
  const points: [number, number][] = [];
  const steps = jagged ? peaks * 2 : 48;
  const phase = random() * Math.PI * 2;
  for (let i = 0; i <= steps; i++) {
    const x = (i / steps) * width;
    const y = jagged
      ? baseY - (i % 2 === 0 ? random() * 0.35 : 0.55 + random() * 0.45) * amplitude
      : baseY - amplitude * (0.5 + 0.3 * Math.sin(i * 0.35 + phase) + 0.2 * Math.sin(i * 0.9 + phase * 2));
    points.push([x, y]);
  }
  const top = Math.min(...points.map((p) => p[1]));
  const fill = ctx.createLinearGradient(0, top, 0, baseY + amplitude);
  fill.addColorStop(0, css(snowCaps ? mix(color, [250, 250, 255], 0.75) : mix(color, [255, 255, 255], 0.12)));
  fill.addColorStop(snowCaps ? 0.25 : 0.5, css(color));
  fill.addColorStop(1, css(mix(color, [0, 0, 0], 0.15)));
  ctx.fillStyle = fill;
  ctx.beginPath();
  ctx.moveTo(0, height);
  for (const [x, y] of points) ctx.lineTo(x, y);
  ctx.lineTo(width, height);
  ctx.closePath();
  ctx.fill();
}

function paintSkyline(ctx: SKRSContext2D, random: () => number, width: number, horizonY: number, u: number, style: SceneStyle): void {
  const night = style.time === 'night' || style.time === 'dusk';
  const body = night ? mix(style.palette.skyTop, [10, 12, 24], 0.5) : mix(style.palette.far, [70, 80, 100], 0.5);
  for (let layer = 0; layer < 2; layer++) {
    let x = -random() * 20 * u;
    const color = layer === 0 ? mix(body, style.palette.skyBottom, 0.35) : body;
    while (x < width) {
      const w = (18 + random() * 34) * u;
      const h = (layer === 0 ? 60 : 30) * u + random() * (layer === 0 ? 110 : 80) * u;
      const top = horizonY + 6 * u - h;
      ctx.fillStyle = css(color);
      ctx.fillRect(x, top, w - 2 * u, h + 40 * u);
      if (layer === 1) {
        // Windows: lit ones make a night city read as a city at a glance.
        const lit = night ? 0.45 : 0.18;
        ctx.fillStyle = night ? 'rgba(255,214,120,0.9)' : 'rgba(220,232,245,0.55)';
        for (let wy = top + 5 * u; wy < horizonY - 4 * u; wy += 7 * u) {
          for (let wx = x + 3 * u; wx < x + w - 6 * u; wx += 6 * u) {
            if (random() < lit) ctx.fillRect(wx, wy, 2.6 * u, 3.4 * u);
          }
        }
      }
      x += w + random() * 4 * u;
    }
  }
}

function paintDunes(ctx: SKRSContext2D, random: () => number, width: number, height: number, horizonY: number, pal: SceneStyle['palette']): void {
  for (let i = 0; i < 3; i++) {
    const base = horizonY + height * (0.02 + i * 0.08);
    const color = mix(pal.ground, [255, 230, 180], 0.3 - i * 0.1);
    ctx.fillStyle = css(mix(color, [0, 0, 0], i * 0.06));
    ctx.beginPath();
    ctx.moveTo(0, height);
    const phase = random() * 6;
    for (let x = 0; x <= width; x += width / 40) {
      ctx.lineTo(x, base - height * 0.04 * (1 + Math.sin(x / width * 5 + phase + i)));
    }
    ctx.lineTo(width, height);
    ctx.closePath();
    ctx.fill();
  }
}

function paintSea(ctx: SKRSContext2D, style: SceneStyle, width: number, height: number, horizonY: number, sunX: number): void {
  const water = ctx.createLinearGradient(0, horizonY, 0, height);
  water.addColorStop(0, css(mix(style.palette.water, style.palette.skyBottom, 0.45)));
  water.addColorStop(1, css(mix(style.palette.water, [0, 10, 30], 0.35)));
  ctx.fillStyle = water;
  ctx.fillRect(0, horizonY, width, height - horizonY);
  if (style.features.rain) return;
  // The sun's reflection: a column of light on the water below it.
  const glint = ctx.createLinearGradient(0, horizonY, 0, height);
  glint.addColorStop(0, css(style.palette.sun, 0.55));
  glint.addColorStop(1, css(style.palette.sun, 0));
  ctx.fillStyle = glint;
  ctx.beginPath();
  ctx.moveTo(sunX - width * 0.015, horizonY);
  ctx.lineTo(sunX + width * 0.015, horizonY);
  ctx.lineTo(sunX + width * 0.08, height);
  ctx.lineTo(sunX - width * 0.08, height);
  ctx.closePath();
  ctx.fill();
}

/** A smooth ground line: a few sines of random phase, so hills differ between scenes. */
function ridgeFunction(random: () => number, width: number, baseY: number, amplitude: number): (x: number) => number {
  const waves = [0, 1, 2].map((i) => ({ k: ((i + 1) * 2.3 + random()) / width * Math.PI, phase: random() * Math.PI * 2, a: amplitude / (i + 1) }));
  return (x: number) => baseY - waves.reduce((y, w) => y + w.a * Math.sin(x * w.k + w.phase), 0);
}

function paintGround(ctx: SKRSContext2D, width: number, height: number, ridge: (x: number) => number, ground: Rgb, near: Rgb): void {
  let top = height;
  ctx.beginPath();
  ctx.moveTo(0, height);
  for (let x = 0; x <= width; x += width / 64) {
    const y = ridge(x);
    top = Math.min(top, y);
    ctx.lineTo(x, y);
  }
  ctx.lineTo(width, height);
  ctx.closePath();
  const fill = ctx.createLinearGradient(0, top, 0, height);
  fill.addColorStop(0, css(ground));
  fill.addColorStop(1, css(mix(near, [0, 0, 0], 0.2)));
  ctx.fillStyle = fill;
  ctx.fill();
}

function paintRiver(ctx: SKRSContext2D, random: () => number, style: SceneStyle, width: number, height: number, horizonY: number): RiverShape {
  const top = horizonY + height * 0.01;
  const bottom = height;
  const x0 = width * (0.3 + random() * 0.4);
  const swing = width * (0.08 + random() * 0.08);
  const phase = random() * Math.PI * 2;
  const depth = (y: number) => Math.max(0, (y - top) / (bottom - top));
  // Perspective: the river widens and swings more as it comes towards the viewer.
  const river: RiverShape = {
    top,
    bottom,
    centerAt: (y) => x0 + swing * Math.sin(depth(y) * 4.2 + phase) * depth(y),
    halfWidthAt: (y) => width * (0.004 + 0.1 * Math.pow(depth(y), 1.3)),
  };
  const left: [number, number][] = [];
  const right: [number, number][] = [];
  for (let i = 0; i <= 48; i++) {
    const y = top + (bottom - top) * (i / 48);
    left.push([river.centerAt(y) - river.halfWidthAt(y), y]);
    right.push([river.centerAt(y) + river.halfWidthAt(y), y]);
  }
  const water = ctx.createLinearGradient(0, top, 0, bottom);
  water.addColorStop(0, css(mix(style.palette.water, style.palette.skyBottom, 0.5)));
  water.addColorStop(1, css(style.palette.water));
  ctx.beginPath();
  ctx.moveTo(left[0]![0], top);
  for (const [x, y] of left) ctx.lineTo(x, y);
  for (const [x, y] of right.reverse()) ctx.lineTo(x, y);
  ctx.closePath();
  ctx.fillStyle = water;
  ctx.fill();
  ctx.strokeStyle = css(mix(style.palette.near, [0, 0, 0], 0.3), 0.6);
  ctx.lineWidth = Math.max(1, height / 300);
  ctx.stroke();
  return river;
}

function nearRiver(river: RiverShape | null, x: number, y: number, margin: number): boolean {
  return river !== null && y >= river.top && Math.abs(x - river.centerAt(y)) < river.halfWidthAt(y) + margin;
}

function paintTree(ctx: SKRSContext2D, x: number, y: number, size: number, conifer: boolean, foliage: Rgb, trunk: Rgb): void {
  ctx.fillStyle = css(trunk);
  ctx.fillRect(x - size * 0.06, y - size * 0.35, size * 0.12, size * 0.35);
  ctx.fillStyle = css(foliage);
  ctx.beginPath();
  if (conifer) {
    for (let tier = 0; tier < 3; tier++) {
      const base = y - size * (0.2 + tier * 0.25);
      const half = size * (0.36 - tier * 0.08);
      ctx.moveTo(x - half, base);
      ctx.lineTo(x, base - size * 0.42);
      ctx.lineTo(x + half, base);
      ctx.closePath();
    }
  } else {
    ctx.arc(x, y - size * 0.6, size * 0.32, 0, Math.PI * 2);
    ctx.arc(x - size * 0.18, y - size * 0.45, size * 0.22, 0, Math.PI * 2);
    ctx.arc(x + size * 0.2, y - size * 0.47, size * 0.24, 0, Math.PI * 2);
  }
  ctx.fill();
  // A lit edge on the crown reads as daylight and separates overlapping trees.
  ctx.fillStyle = css(mix(foliage, [255, 255, 200], 0.18), 0.5);
  ctx.beginPath();
  if (conifer) {
    ctx.moveTo(x, y - size * 0.92);
    ctx.lineTo(x + size * 0.2, y - size * 0.62);
    ctx.lineTo(x, y - size * 0.62);
  } else {
    ctx.arc(x - size * 0.08, y - size * 0.7, size * 0.14, 0, Math.PI * 2);
  }
  ctx.fill();
}

function paintForest(
  ctx: SKRSContext2D,
  random: () => number,
  style: SceneStyle,
  width: number,
  height: number,
  horizonY: number,
  ridge: (x: number) => number,
  river: RiverShape | null,
  u: number,
): void {
  const { palette: pal } = style;
  const conifers = style.features.snow || random() < 0.5;
  // Back rows first: far trees are small, dense and hazy; near ones large and saturated.
  const rows = 5;
  for (let row = 0; row < rows; row++) {
    const depth = row / (rows - 1);
    const size = (16 + depth * 70) * u;
    const haze = 0.55 * (1 - depth);
    const foliage = mix(mix(pal.foliage, pal.far, haze), [0, 0, 0], depth * 0.15);
    const trunk = mix([70, 50, 35], pal.far, haze);
    const spacing = size * (0.55 + random() * 0.2);
    for (let x = -random() * spacing; x < width + spacing; x += spacing * (0.7 + random() * 0.6)) {
      const y = row === 0 ? horizonY + 2 * u : Math.min(ridge(x), horizonY) + (depth * 0.3 * height) * (0.6 + random() * 0.4);
      if (random() < 0.12 + depth * 0.35 || nearRiver(river, x, y, size * 0.4)) continue;
      paintTree(ctx, x, y, size * (0.8 + random() * 0.4), conifers ? random() < 0.85 : random() < 0.2, foliage, trunk);
    }
  }
}

function paintScatteredTrees(
  ctx: SKRSContext2D,
  random: () => number,
  style: SceneStyle,
  width: number,
  ridge: (x: number) => number,
  river: RiverShape | null,
  u: number,
): void {
  const count = 3 + Math.floor(random() * 5);
  for (let i = 0; i < count; i++) {
    const x = random() * width;
    const y = ridge(x) + random() * 10 * u;
    if (nearRiver(river, x, y, 20 * u)) continue;
    paintTree(ctx, x, y, (30 + random() * 40) * u, random() < 0.5, style.palette.foliage, [80, 60, 40]);
  }
}

function paintFlowers(
  ctx: SKRSContext2D,
  random: () => number,
  width: number,
  height: number,
  horizonY: number,
  river: RiverShape | null,
  u: number,
  accent: Rgb,
): void {
  const colors: Rgb[] = [accent, [255, 236, 120], [255, 255, 255], [255, 150, 190]];
  for (let i = 0; i < 260; i++) {
    const y = horizonY + (height - horizonY) * Math.pow(random(), 0.7);
    const x = random() * width;
    if (nearRiver(river, x, y, 4 * u)) continue;
    const depth = (y - horizonY) / (height - horizonY);
    ctx.fillStyle = css(colors[i % colors.length]!, 0.9);
    ctx.beginPath();
    ctx.arc(x, y, (0.8 + depth * 3) * u, 0, Math.PI * 2);
    ctx.fill();
  }
}

function paintLighthouse(
  ctx: SKRSContext2D,
  random: () => number,
  style: SceneStyle,
  width: number,
  height: number,
  horizonY: number,
  u: number,
): { x: number; y: number } {
  // On a rocky point to one side, leaving the centre of the sea open.
  const x = width * (random() < 0.5 ? 0.22 + random() * 0.1 : 0.68 + random() * 0.1);
  const base = horizonY + 28 * u;
  const dark = style.time === 'night' || style.time === 'dusk';
  ctx.fillStyle = css(mix([70, 66, 62], style.palette.skyTop, dark ? 0.5 : 0.1));
  ctx.beginPath();
  ctx.moveTo(x - 90 * u, base + 14 * u);
  ctx.quadraticCurveTo(x - 50 * u, base - 16 * u, x, base - 12 * u);
  ctx.quadraticCurveTo(x + 55 * u, base - 14 * u, x + 95 * u, base + 14 * u);
  ctx.closePath();
  ctx.fill();
  const towerH = 120 * u;
  const top = base - 12 * u - towerH;
  const stripes = 5;
  for (let i = 0; i < stripes; i++) {
    const y0 = base - 12 * u - (towerH * i) / stripes;
    const y1 = base - 12 * u - (towerH * (i + 1)) / stripes;
    const w0 = 14 * u - (6 * u * i) / stripes;
    const w1 = 14 * u - (6 * u * (i + 1)) / stripes;
    ctx.fillStyle = i % 2 === 0 ? css(mix([235, 235, 228], style.palette.skyTop, dark ? 0.35 : 0)) : css(mix([196, 48, 40], style.palette.skyTop, dark ? 0.35 : 0));
    ctx.beginPath();
    ctx.moveTo(x - w0, y0);
    ctx.lineTo(x - w1, y1);
    ctx.lineTo(x + w1, y1);
    ctx.lineTo(x + w0, y0);
    ctx.closePath();
    ctx.fill();
  }
  ctx.fillStyle = dark ? 'rgb(255,226,140)' : 'rgb(250,240,200)';
  ctx.fillRect(x - 7 * u, top - 12 * u, 14 * u, 12 * u);
  ctx.fillStyle = 'rgb(50,50,56)';
  ctx.beginPath();
  ctx.moveTo(x - 10 * u, top - 12 * u);
  ctx.lineTo(x, top - 24 * u);
  ctx.lineTo(x + 10 * u, top - 12 * u);
  ctx.closePath();
  ctx.fill();
  return { x, y: top - 6 * u };
}

function paintHouses(
  ctx: SKRSContext2D,
  random: () => number,
  style: SceneStyle,
  width: number,
  ridge: (x: number) => number,
  river: RiverShape | null,
  u: number,
): void {
  const lit = style.time === 'night' || style.time === 'dusk';
  const count = 5 + Math.floor(random() * 4);
  for (let i = 0; i < count; i++) {
    const x = ((i + 0.2 + random() * 0.6) / count) * width;
    const y = ridge(x) + (4 + random() * 14) * u;
    if (nearRiver(river, x, y, 40 * u)) continue;
    const w = (26 + random() * 18) * u;
    const h = w * (0.6 + random() * 0.2);
    const wall: Rgb = style.features.snow ? [210, 200, 190] : mix([226, 204, 168], style.palette.accent, 0.15);
    ctx.fillStyle = css(lit ? mix(wall, [40, 40, 60], 0.45) : wall);
    ctx.fillRect(x - w / 2, y - h, w, h);
    ctx.fillStyle = css(style.features.snow ? [245, 247, 252] : mix([150, 60, 45], style.palette.accent, 0.2));
    ctx.beginPath();
    ctx.moveTo(x - w * 0.62, y - h);
    ctx.lineTo(x, y - h - w * 0.45);
    ctx.lineTo(x + w * 0.62, y - h);
    ctx.closePath();
    ctx.fill();
    ctx.fillStyle = lit ? 'rgba(255,214,120,0.95)' : 'rgba(70,90,110,0.8)';
    ctx.fillRect(x - w * 0.3, y - h * 0.7, w * 0.18, h * 0.25);
    ctx.fillRect(x + w * 0.12, y - h * 0.7, w * 0.18, h * 0.25);
    ctx.fillStyle = 'rgba(80,55,40,0.9)';
    ctx.fillRect(x - w * 0.08, y - h * 0.4, w * 0.16, h * 0.4);
  }
}
