import { createCanvas, type Canvas, type SKRSContext2D } from './canvas';
import type { PlannedScene } from '@reelcraft/shared';
import { labelFontFamilies } from './fonts';

/**
 * The animatic's slate: scene number, camera and the description, in the description's
 * language. Rendered once per scene into its own small canvas (text shaping is the costliest
 * thing we draw) and blitted onto every frame. It sits in the top-left corner: the bottom of the
 * frame is kept for the subtitles burnt in at assembly.
 */
const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

const SHOT_ZH: Record<PlannedScene['camera']['shot'], string> = { wide: '远景', medium: '中景', 'close-up': '特写', aerial: '航拍' };
const MOVE_ZH: Record<PlannedScene['camera']['move'], string> = {
  static: '固定',
  'pan-left': '左摇',
  'pan-right': '右摇',
  'zoom-in': '推镜',
  'zoom-out': '拉镜',
  'tilt-up': '上摇',
  'tilt-down': '下摇',
};

const MAX_LINES = 3;

export function renderLabel(scene: PlannedScene, frameWidth: number, frameHeight: number): { canvas: Canvas; x: number; y: number } {
  const zh = CJK.test(scene.description);
  const families = labelFontFamilies();
  const unit = frameHeight / 360;
  const headerSize = Math.round(13 * unit);
  const bodySize = Math.round(14 * unit);
  const pad = Math.round(8 * unit);
  const maxTextWidth = Math.round(frameWidth * 0.56);

  const header = zh
    ? `场景 ${scene.scene_number} · ${SHOT_ZH[scene.camera.shot]} · ${MOVE_ZH[scene.camera.move]} · ${scene.duration_sec}秒`
    : `SCENE ${scene.scene_number} · ${scene.camera.shot} · ${scene.camera.move} · ${scene.duration_sec}s`;

  // Measure on a scratch context, then size the label canvas to fit exactly.
  const scratch = createCanvas(8, 8).getContext('2d');
  scratch.font = `${bodySize}px ${families}`;
  const lines = wrapText(scratch, scene.description, maxTextWidth, MAX_LINES);
  const bodyWidth = Math.max(0, ...lines.map((l) => scratch.measureText(l).width));
  scratch.font = `bold ${headerSize}px ${families}`;
  const headerWidth = scratch.measureText(header).width;

  const lineHeight = Math.round(bodySize * 1.35);
  const width = Math.ceil(Math.max(bodyWidth, headerWidth) + pad * 2);
  const height = Math.ceil(pad * 2 + headerSize * 1.5 + lines.length * lineHeight);
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.lang = zh ? 'zh-CN' : 'en';
  ctx.fillStyle = 'rgba(10,12,18,0.58)';
  ctx.beginPath();
  ctx.roundRect(0, 0, width, height, Math.round(6 * unit));
  ctx.fill();
  ctx.fillStyle = 'rgba(255,205,90,1)';
  ctx.fillRect(0, pad, Math.max(2, Math.round(3 * unit)), height - pad * 2);

  ctx.textBaseline = 'top';
  ctx.font = `bold ${headerSize}px ${families}`;
  ctx.fillStyle = 'rgba(255,205,90,1)';
  ctx.fillText(header, pad, pad);
  ctx.font = `${bodySize}px ${families}`;
  ctx.fillStyle = 'rgba(245,245,240,1)';
  lines.forEach((line, i) => ctx.fillText(line, pad, pad + headerSize * 1.5 + i * lineHeight));

  const margin = Math.round(12 * unit);
  return { canvas, x: margin, y: margin + Math.round(4 * unit) };
}

/**
 * Greedy line breaking that works for both scripts: CJK may break between any two characters,
 * Latin text only between words. The last line gets an ellipsis when text remains.
 */
export function wrapText(ctx: SKRSContext2D, text: string, maxWidth: number, maxLines: number): string[] {
  const tokens = text.match(/[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]|[^\s\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]+|\s+/g) ?? [];
  const lines: string[] = [];
  let line = '';
  let i = 0;
  for (; i < tokens.length && lines.length < maxLines; i++) {
    const token = tokens[i]!;
    const candidate = line + token;
    if (line !== '' && ctx.measureText(candidate.trimEnd()).width > maxWidth) {
      lines.push(line.trimEnd());
      line = /^\s+$/.test(token) ? '' : token;
    } else {
      line = candidate;
    }
  }
  if (lines.length < maxLines && line.trim() !== '') {
    lines.push(line.trimEnd());
  } else if (line.trim() !== '' || i < tokens.length) {
    // Text did not fit: end the last line with an ellipsis that stays inside the width.
    let last = lines[maxLines - 1] ?? '';
    while (last.length > 0 && ctx.measureText(`${last}…`).width > maxWidth) last = Array.from(last).slice(0, -1).join('');
    lines[maxLines - 1] = `${last.trimEnd()}…`;
  }
  return lines.map((l) => l.trimStart());
}
