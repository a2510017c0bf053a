import { createCanvas, type Canvas, type SKRSContext2D } from './canvas';
import { seededRandom } from '../util/hash';
import type { BackdropLayout } from './backdrop';
import { css, mix, type Rgb, type SceneStyle } from './scene-style';

/**
 * The parts of a scene that move on their own, whatever the camera does: drifting clouds, water,
 * birds, walking animals, snow, rain, twinkling stars, traffic and floating motes. They are
 * drawn every frame in backdrop coordinates (under the camera transform), so they sit in the
 * scenery rather than on the lens. All placements are fixed at construction from the scene's
 * seed; a frame is a pure function of time.
 */
export class MotionLayer {
  private readonly elements: ((ctx: SKRSContext2D, t: number) => void)[] = [];

  /** @param closeUp the shot is a close-up: the moving subjects are drawn larger. */
  constructor(style: SceneStyle, layout: BackdropLayout, closeUp = false) {
    const random = seededRandom(style.seed ^ 0x5bd1e995);
    const u = layout.height / 504;
    const f = style.features;
    const night = style.time === 'night';
    if (!f.space && (!night || f.rain)) this.elements.push(clouds(random, layout, u, style));
    if (layout.seaTop !== null) this.elements.push(seaWaves(random, layout, u, style));
    if (layout.river) this.elements.push(riverFlow(random, layout, layout.river, u, style));
    if (f.boats && layout.seaTop !== null) this.elements.push(boats(random, layout, u * (closeUp ? 1.5 : 1), style));
    if (layout.lamp && (night || style.time === 'dusk')) this.elements.push(beam(layout.lamp, layout, u));
    if (night || f.space) this.elements.push(twinkles(random, layout, u));
    if (f.city) this.elements.push(traffic(random, layout, u));
    if (f.birds || (!night && !f.rain && !f.space && random() < 0.5)) this.elements.push(birds(random, layout, u, style));
    if (f.animals) this.elements.push(animals(random, layout, u * (closeUp ? 1.5 : 1), style));
    if (f.snow) this.elements.push(snowfall(random, layout, u));
    if (f.rain) this.elements.push(rainfall(random, layout, u));
    // Always something drifting in the air, so even a bare scene is visibly alive.
    this.elements.push(motes(random, layout, u, night || style.time === 'dusk'));
  }

  draw(ctx: SKRSContext2D, seconds: number): void {
    for (const draw of this.elements) draw(ctx, seconds);
  }
}

type Draw = (ctx: SKRSContext2D, t: number) => void;

const wrap = (v: number, size: number) => ((v % size) + size) % size;

function clouds(random: () => number, layout: BackdropLayout, u: number, style: SceneStyle): Draw {
  const grey = style.features.rain;
  const tint: Rgb = grey ? [120, 126, 138] : style.time === 'dusk' ? [255, 200, 180] : [255, 255, 255];
  const sprites = Array.from({ length: grey ? 7 : 4 + Math.floor(random() * 3) }, () => {
    const w = (90 + random() * 120) * u;
    return {
      sprite: cloudSprite(random, w, tint, grey ? 0.85 : 0.75),
      x: random() * layout.width,
      y: layout.height * (0.04 + random() * 0.26),
      speed: (6 + random() * 10) * u,
    };
  });
  const span = layout.width + 240 * u;
  return (ctx, t) => {
    for (const c of sprites) ctx.drawImage(c.sprite, wrap(c.x + c.speed * t, span) - 200 * u, c.y);
  };
}

/** Clouds are soft and costly to draw; pre-render each once and blit it per frame. */
function cloudSprite(random: () => number, width: number, tint: Rgb, alpha: number): Canvas {
  const height = Math.ceil(width * 0.45);
  const canvas = createCanvas(Math.ceil(width), height);
  const ctx = canvas.getContext('2d');
  for (let i = 0; i < 7; i++) {
    const cx = width * (0.2 + random() * 0.6);
    const cy = height * (0.45 + random() * 0.2);
    const r = height * (0.2 + random() * 0.2);
    const g = ctx.createRadialGradient(cx, cy, 0, cx, cy, r);
    g.addColorStop(0, css(tint, alpha));
    g.addColorStop(0.6, css(tint, alpha * 0.7));
    g.addColorStop(1, css(tint, 0));
    ctx.fillStyle = g;
    ctx.fillRect(cx - r, cy - r, r * 2, r * 2);
  }
  return canvas;
}

function seaWaves(random: () => number, layout: BackdropLayout, u: number, style: SceneStyle): Draw {
  const top = layout.seaTop!;
  const rows = Array.from({ length: 12 }, (_, i) => {
    const depth = (i + 1) / 12;
    return {
      y: top + (layout.height - top) * Math.pow(depth, 1.6),
      amp: (1 + depth * 5) * u,
      len: (40 + depth * 140) * u,
      speed: 0.8 + random() * 0.6,
      phase: random() * Math.PI * 2,
      width: Math.max(1, (0.6 + depth * 2.2) * u),
    };
  });
  const light = css(mix(style.palette.water, [255, 255, 255], 0.6), 0.45);
  return (ctx, t) => {
    ctx.strokeStyle = light;
    for (const r of rows) {
      ctx.lineWidth = r.width;
      ctx.beginPath();
      // Dashed crests that roll sideways and bob: reads as waves at any camera distance.
      for (let x = -r.len; x < layout.width + r.len; x += r.len) {
        const x0 = x + wrap(t * r.speed * r.len * 0.5 + r.phase * r.len, r.len);
        const y = r.y + Math.sin(t * 2 * r.speed + x0 * 0.01 + r.phase) * r.amp;
        ctx.moveTo(x0, y);
        ctx.quadraticCurveTo(x0 + r.len * 0.2, y - r.amp, x0 + r.len * 0.4, y);
      }
      ctx.stroke();
    }
  };
}

function riverFlow(
  random: () => number,
  layout: BackdropLayout,
  river: NonNullable<BackdropLayout['river']>,
  u: number,
  style: SceneStyle,
): Draw {
  const streaks = Array.from({ length: 70 }, () => ({ v: random(), across: random() * 1.6 - 0.8, speed: 0.05 + random() * 0.05 }));
  const light = css(mix(style.palette.water, [255, 255, 255], 0.7), 0.55);
  return (ctx, t) => {
    ctx.strokeStyle = light;
    ctx.lineWidth = Math.max(1, 1.4 * u);
    ctx.beginPath();
    for (const s of streaks) {
      // Streaks flow towards the viewer, speeding up with perspective.
      const v = wrap(s.v + t * s.speed, 1);
      const y = river.top + (river.bottom - river.top) * v * v;
      const half = river.halfWidthAt(y);
      const x = river.centerAt(y) + s.across * half;
      const len = Math.max(2 * u, half * 0.35);
      ctx.moveTo(x - len / 2, y);
      ctx.lineTo(x + len / 2, y);
    }
    ctx.stroke();
  };
}

function twinkles(random: () => number, layout: BackdropLayout, u: number): Draw {
  const stars = Array.from({ length: 30 }, () => ({
    x: random() * layout.width,
    y: random() * layout.horizonY * 0.9,
    r: (1 + random() * 1.2) * u,
    rate: 1.5 + random() * 3,
    phase: random() * Math.PI * 2,
  }));
  return (ctx, t) => {
    for (const s of stars) {
      ctx.fillStyle = `rgba(255,255,235,${(0.5 + 0.5 * Math.sin(t * s.rate + s.phase)).toFixed(2)})`;
      ctx.fillRect(s.x - s.r, s.y - s.r, s.r * 2, s.r * 2);
    }
  };
}

function traffic(random: () => number, layout: BackdropLayout, u: number): Draw {
  const cars = Array.from({ length: 12 }, (_, i) => ({
    x: random() * layout.width,
    lane: i % 2,
    speed: (40 + random() * 50) * u * (i % 2 === 0 ? 1 : -1),
  }));
  return (ctx, t) => {
    for (const c of cars) {
      const x = wrap(c.x + c.speed * t, layout.width);
      const y = layout.horizonY + (4 + c.lane * 5) * u;
      ctx.fillStyle = c.lane === 0 ? 'rgba(255,240,200,0.95)' : 'rgba(255,80,60,0.95)';
      ctx.fillRect(x, y, 4 * u, 1.8 * u);
      ctx.fillRect(x + 7 * u, y, 4 * u, 1.8 * u);
    }
  };
}

function birds(random: () => number, layout: BackdropLayout, u: number, style: SceneStyle): Draw {
  const flock = Array.from({ length: 3 + Math.floor(random() * 4) }, () => ({
    x: random() * layout.width,
    y: layout.height * (0.1 + random() * 0.25),
    size: (6 + random() * 6) * u,
    speed: (25 + random() * 25) * u,
    flap: 6 + random() * 4,
    phase: random() * Math.PI * 2,
  }));
  const color = style.time === 'night' ? 'rgba(220,225,240,0.9)' : 'rgba(30,30,40,0.85)';
  return (ctx, t) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = Math.max(1, 1.6 * u);
    ctx.beginPath();
    for (const b of flock) {
      const x = wrap(b.x + b.speed * t, layout.width + 40 * u) - 20 * u;
      const y = b.y + Math.sin(t * 1.3 + b.phase) * 6 * u;
      const wing = Math.sin(t * b.flap + b.phase) * b.size * 0.6;
      ctx.moveTo(x - b.size, y - wing);
      ctx.lineTo(x, y);
      ctx.lineTo(x + b.size, y - wing);
    }
    ctx.stroke();
  };
}

function animals(random: () => number, layout: BackdropLayout, u: number, style: SceneStyle): Draw {
  // Spread over the whole backdrop and slow, so whatever part the camera shows has one in view.
  const count = 4 + Math.floor(random() * 2);
  const herd = Array.from({ length: count }, (_, i) => ({
    x: ((i + 0.2 + random() * 0.6) / count) * layout.width,
    size: (24 + random() * 12) * u,
    speed: (6 + random() * 8) * u * (random() < 0.5 ? -1 : 1),
    hop: 3 + random() * 3,
    phase: random() * Math.PI * 2,
    color: mix([168, 104, 52], style.palette.near, random() * 0.3),
  }));
  // They walk a line just below the horizon: in view for every camera move, yet above the
  // subtitle area at the bottom of the frame.
  const walkY = layout.horizonY + (layout.height - layout.horizonY) * 0.14;
  return (ctx, t) => {
    for (const a of herd) {
      const x = wrap(a.x + a.speed * t, layout.width);
      const ground = walkY + (layout.groundAt(x) - layout.groundAt(0)) * 0.3;
      const lift = Math.abs(Math.sin(t * a.hop + a.phase)) * a.size * 0.25;
      const y = ground - lift;
      const dir = Math.sign(a.speed);
      const s = a.size;
      ctx.fillStyle = css(a.color);
      ctx.beginPath();
      ctx.ellipse(x, y - s * 0.55, s * 0.55, s * 0.3, 0, 0, Math.PI * 2);
      ctx.ellipse(x + dir * s * 0.55, y - s * 0.85, s * 0.2, s * 0.18, 0, 0, Math.PI * 2);
      ctx.fill();
      // Legs swing with the hop cycle.
      const swing = Math.sin(t * a.hop * 2 + a.phase) * s * 0.15;
      ctx.strokeStyle = css(a.color);
      ctx.lineWidth = Math.max(1, s * 0.09);
      ctx.beginPath();
      for (const lx of [-0.35, 0.35]) {
        ctx.moveTo(x + lx * s, y - s * 0.35);
        ctx.lineTo(x + lx * s + swing, y);
        ctx.moveTo(x + lx * s + s * 0.1, y - s * 0.35);
        ctx.lineTo(x + lx * s + s * 0.1 - swing, y);
      }
      ctx.stroke();
      // Ears make the silhouette an animal rather than a blob.
      ctx.beginPath();
      ctx.moveTo(x + dir * s * 0.5, y - s * 1);
      ctx.lineTo(x + dir * s * 0.45, y - s * 1.2);
      ctx.moveTo(x + dir * s * 0.62, y - s * 1);
      ctx.lineTo(x + dir * s * 0.65, y - s * 1.2);
      ctx.stroke();
    }
  };
}

function snowfall(random: () => number, layout: BackdropLayout, u: number): Draw {
  const flakes = Array.from({ length: 160 }, () => ({
    x: random() * layout.width,
    y: random() * layout.height,
    r: (0.8 + random() * 1.8) * u,
    speed: (18 + random() * 26) * u,
    sway: random() * Math.PI * 2,
  }));
  return (ctx, t) => {
    ctx.fillStyle = 'rgba(255,255,255,0.9)';
    ctx.beginPath();
    for (const f of flakes) {
      const y = wrap(f.y + f.speed * t, layout.height);
      const x = f.x + Math.sin(t * 0.8 + f.sway) * 8 * u;
      ctx.moveTo(x + f.r, y);
      ctx.arc(x, y, f.r, 0, Math.PI * 2);
    }
    ctx.fill();
  };
}

function rainfall(random: () => number, layout: BackdropLayout, u: number): Draw {
  const drops = Array.from({ length: 220 }, () => ({
    x: random() * layout.width,
    y: random() * layout.height,
    len: (8 + random() * 10) * u,
    speed: (320 + random() * 160) * u,
  }));
  return (ctx, t) => {
    ctx.strokeStyle = 'rgba(210,220,235,0.45)';
    ctx.lineWidth = Math.max(1, u);
    ctx.beginPath();
    for (const d of drops) {
      const y = wrap(d.y + d.speed * t, layout.height);
      const x = d.x - y * 0.12;
      ctx.moveTo(x, y);
      ctx.lineTo(x - d.len * 0.12, y + d.len);
    }
    ctx.stroke();
  };
}

function motes(random: () => number, layout: BackdropLayout, u: number, glowing: boolean): Draw {
  const count = 24;
  const specks = Array.from({ length: count }, () => ({
    x: random() * layout.width,
    y: layout.horizonY * 0.5 + random() * layout.height * 0.45,
    r: (1 + random() * 1.6) * u,
    ax: (10 + random() * 20) * u,
    ay: (6 + random() * 12) * u,
    rate: 0.3 + random() * 0.5,
    phase: random() * Math.PI * 2,
  }));
  const color = glowing ? 'rgba(255,230,140,0.85)' : 'rgba(255,255,255,0.55)';
  return (ctx, t) => {
    ctx.fillStyle = color;
    ctx.beginPath();
    for (const m of specks) {
      const x = m.x + Math.sin(t * m.rate + m.phase) * m.ax + t * 4 * u;
      const y = m.y + Math.cos(t * m.rate * 1.3 + m.phase) * m.ay;
      ctx.moveTo(x + m.r, y);
      ctx.arc(x, y, m.r, 0, Math.PI * 2);
    }
    ctx.fill();
  };
}

function boats(random: () => number, layout: BackdropLayout, u: number, style: SceneStyle): Draw {
  const top = layout.seaTop!;
  const fleet = Array.from({ length: 2 + Math.floor(random() * 2) }, (_, i) => {
    const depth = 0.15 + random() * 0.35;
    return {
      x: ((i + 0.3 + random() * 0.4) / 3) * layout.width,
      y: top + (layout.height - top) * depth,
      size: (18 + depth * 40) * u,
      speed: (4 + random() * 8) * u * (random() < 0.5 ? -1 : 1),
      phase: random() * Math.PI * 2,
    };
  });
  const dark = style.time === 'night';
  return (ctx, t) => {
    for (const b of fleet) {
      const x = b.x + b.speed * t;
      const bob = Math.sin(t * 2.2 + b.phase) * b.size * 0.06;
      const tilt = Math.sin(t * 1.7 + b.phase) * 0.05;
      ctx.save();
      ctx.translate(x, b.y + bob);
      ctx.rotate(tilt);
      ctx.fillStyle = dark ? 'rgb(40,36,44)' : 'rgb(120,70,45)';
      ctx.beginPath();
      ctx.moveTo(-b.size * 0.6, 0);
      ctx.lineTo(b.size * 0.6, 0);
      ctx.lineTo(b.size * 0.42, b.size * 0.2);
      ctx.lineTo(-b.size * 0.42, b.size * 0.2);
      ctx.closePath();
      ctx.fill();
      ctx.fillStyle = dark ? 'rgb(150,150,165)' : 'rgb(248,246,238)';
      ctx.beginPath();
      ctx.moveTo(-b.size * 0.05, -b.size * 0.05);
      ctx.lineTo(-b.size * 0.05, -b.size * 0.95);
      ctx.lineTo(b.size * 0.45, -b.size * 0.05);
      ctx.closePath();
      ctx.fill();
      ctx.restore();
    }
  };
}

function beam(lamp: { x: number; y: number }, layout: BackdropLayout, u: number): Draw {
  const length = layout.width * 0.45;
  return (ctx, t) => {
    // A sweeping cone of light: its angle turns over time, and it fades away from the lamp.
    const angle = Math.PI + Math.sin(t * 0.9) * 1.1;
    const spread = 0.08;
    const g = ctx.createRadialGradient(lamp.x, lamp.y, 4 * u, lamp.x, lamp.y, length);
    g.addColorStop(0, 'rgba(255,236,170,0.55)');
    g.addColorStop(1, 'rgba(255,236,170,0)');
    ctx.fillStyle = g;
    ctx.beginPath();
    ctx.moveTo(lamp.x, lamp.y);
    ctx.lineTo(lamp.x + Math.cos(angle - spread) * length, lamp.y + Math.sin(angle - spread) * length * 0.35);
    ctx.lineTo(lamp.x + Math.cos(angle + spread) * length, lamp.y + Math.sin(angle + spread) * length * 0.35);
    ctx.closePath();
    ctx.fill();
  };
}
