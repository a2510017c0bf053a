import { TOKEN_TYPE } from '../models/gguf-format';

/**
 * A SentencePiece-style vocabulary for the tiny test model: control tokens, all 256 byte tokens
 * (llama.cpp looks up `<0x0A>` and falls back to bytes for anything else), and normal tokens for
 * JSON syntax, ASCII, digits and the common CJK characters of the storyboard domain. Every merged
 * token is the join of two tokens already in the list, as the SPM tokenizer requires.
 */
export interface TinyVocab {
  tokens: string[];
  types: number[];
  scores: number[];
  bos: number;
  eos: number;
  unk: number;
}

/** SentencePiece writes a space as U+2581. */
const SPACE = '\u2581';
const ASCII_SINGLES = `{}[]:,"\\-_.!?'()/` + '0123456789' + 'abcdefghijklmnopqrstuvwxyz' + 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const CJK_SINGLES =
  '的一是在不了有和人这中大上个我们他她它来到地出就说可发生年动同也能下过子对成会后多行小天山水风雨雪云海河江湖森林城市街灯夜晨光影春夏秋冬阳月星空草树花鸟鱼猫狗镜头场景特写远近推拉摇移全开结尾画面故事旅日落红绿蓝白黑金色';
/** Two-character words and ASCII words of the domain, so merged tokens exist at several lengths. */
const WORDS = [
  '镜头', '场景', '特写', '远景', '近景', '全景', '中景', '开场', '结尾', '画面', '故事', '旅行', '城市', '夜晚', '森林', '日落', '日出', '春天', '秋天', '冬天', '山谷', '河流', '灯光', '街道',
  'scene', 'the', 'and', 'city', 'night', 'camera', 'light', 'forest', 'river', 'wide', 'medium', 'close', 'static', 'zoom', 'pan', 'tilt', 'left', 'right', 'true', 'false', 'null',
  'scenes', 'title', 'language', 'description', 'subtitle', 'shot', 'move', 'duration',
];
const JSON_PIECES = ['":', '",', '{"', '"}', '},', '],', '[{', '}]', `${SPACE}"`, `,${SPACE}`, `:${SPACE}`];

export function buildTinyVocab(): TinyVocab {
  const tokens: string[] = [];
  const types: number[] = [];
  const scores: number[] = [];
  const index = new Map<string, number>();
  const add = (token: string, type: number, score: number) => {
    if (index.has(token)) return;
    index.set(token, tokens.length);
    tokens.push(token);
    types.push(type);
    scores.push(score);
  };

  add('<unk>', TOKEN_TYPE.unknown, 0);
  add('<s>', TOKEN_TYPE.control, 0);
  add('</s>', TOKEN_TYPE.control, 0);
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, TOKEN_TYPE.byte, 0);
  for (const ch of SPACE + ASCII_SINGLES) add(ch, TOKEN_TYPE.normal, -1);
  for (const ch of CJK_SINGLES) add(ch, TOKEN_TYPE.normal, -1);
  for (const ch of WORDS.join('')) add(ch, TOKEN_TYPE.normal, -1);

  // A merge must join two existing pieces: grow each word one character at a time, so every
  // prefix is itself a token. Longer pieces score higher, so the tokenizer prefers them.
  const addMerged = (word: string) => {
    const chars = Array.from(word);
    for (let n = 2; n <= chars.length; n++) {
      const left = chars.slice(0, n - 1).join('');
      const right = chars[n - 1]!;
      if (!index.has(left) || !index.has(right)) throw new Error(`tiny vocab: cannot merge ${JSON.stringify(left)} + ${JSON.stringify(right)}`);
      add(left + right, TOKEN_TYPE.normal, n);
    }
  };
  JSON_PIECES.forEach(addMerged);
  WORDS.forEach(addMerged);
  WORDS.filter((w) => /^[a-z]/.test(w)).forEach((w) => addMerged(SPACE + w));

  return { tokens, types, scores, unk: 0, bos: 1, eos: 2 };
}
