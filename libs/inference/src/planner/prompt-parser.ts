import type { Language } from '@reelcraft/shared';

/**
 * Turns a free-form idea into "what the video is about" plus the things it should show.
 * Heuristic on purpose: this is the fallback when no LLM is installed, so it must never fail,
 * never call out, and give the same answer for the same prompt.
 */
export interface ParsedPrompt {
  language: Language;
  /** The topic once request boilerplate ("make a short video about …") is gone. */
  subject: string;
  /** Things to show, in prompt order, de-duplicated; may be empty. */
  items: string[];
}

const CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;

/** Any CJK ideograph makes the prompt Chinese: mixed prompts are written for a Chinese audience. */
export function detectLanguage(text: string): Language {
  return CJK.test(text) ? 'zh' : 'en';
}

export function parsePrompt(prompt: string): ParsedPrompt {
  const text = normalise(prompt);
  const language = detectLanguage(text);
  return language === 'zh' ? parseChinese(text) : parseEnglish(text);
}

function normalise(prompt: string): string {
  return prompt
    .replace(/[\u200b-\u200d\ufeff]/g, '')
    .replace(/[“”"「」『』《》]/g, '')
    .replace(/[ \t\u3000]+/g, ' ')
    .trim();
}

// ---------------------------------------------------------------- Chinese

const ZH_CLAUSE = /[。！？!?；;，,：:\n]+/;
const ZH_REQUEST = /^(?:请你?|麻烦你?|帮忙|我想要?|我需要|我希望|想要|希望|能否|能不能|可以)?(?:帮我|给我|为我|替我|帮忙)?/;
const ZH_VERB = /^(?:制作|做|生成|创作|拍摄|拍|剪辑|剪|写|来|出|设计|渲染)(?:一下|出)?/;
const ZH_AMOUNT = /^(?:一段|一个|一部|一支|一条|一则|一组|一集|段|个|部|支|条)?(?:[0-9一二三四五六七八九十百两半]+(?:秒钟?|分钟|分)(?:左右)?的?)?(?:简短的|简单的|小)?/;
const ZH_ABOUT = /^(?:关于|有关|讲述|介绍|展示|描写|描述|呈现|记录|表现|以)/;
const ZH_MEDIA = /^(.*?)的?(?:短视频|视频|短片|影片|动画短片|动画片|动画|宣传片|纪录片|微电影|片子|故事|vlog|MV)(?:为主题)?(.*)$/i;
const ZH_CONTAINS = /包含|包括|其中有|里面有|当中有|涵盖|囊括|画面中有|要有/;
const ZH_LEAD_IN =
  /^(?:并且|而且|同时|然后|接着|之后|最后|还要|还有|需要|要有|包含|包括|其中有|里面有|当中有|涵盖|展示|出现|画面中有|镜头里有|以及|并|也|和|与|是|为|有(?![趣些点时人名关意力效序]))+/;
// Conjunctions that join short noun phrases; the look-arounds keep words such as 和平, 温和, 参与, 及时 whole.
const ZH_AND =
  /以及|还有|(?<![温暖柔缓总饱平随祥谦应附])和(?![平谐睦煦蔼善解])|(?<![参给赋授])与(?![众否])|(?<![以来涉普波危企顾])及(?![时格早])/;
const ZH_SHORT_ITEM = 12;

function parseChinese(text: string): ParsedPrompt {
  const clauses = text.split(ZH_CLAUSE).map((c) => c.trim()).filter(Boolean);
  let subject = '';
  const itemClauses: string[] = [];
  while (clauses.length > 0 && !subject) {
    const { subject: s, tail } = chineseSubject(clauses.shift()!);
    subject = s;
    if (tail) itemClauses.push(tail);
  }
  itemClauses.push(...clauses);
  const items = itemClauses.flatMap((c) => splitChineseEnumeration(c.replace(ZH_LEAD_IN, '')));
  return { language: 'zh', subject, items: tidyItems(items, subject) };
}

function chineseSubject(clause: string): { subject: string; tail: string } {
  let s = clause.replace(ZH_REQUEST, '');
  // Only strip the quantity after a request verb: "一个人的旅行" is a subject, not boilerplate.
  const afterVerb = s.replace(ZH_VERB, '');
  if (afterVerb !== s) s = afterVerb.replace(ZH_AMOUNT, '');
  s = s.replace(ZH_ABOUT, '');
  let tail = '';
  const media = ZH_MEDIA.exec(s);
  if (media) {
    s = (media[1] ?? '').replace(ZH_ABOUT, '');
    tail = (media[2] ?? '').replace(/^的/, '');
  }
  const contains = ZH_CONTAINS.exec(s);
  if (contains && contains.index > 0) {
    tail = s.slice(contains.index + contains[0].length) + (tail ? `、${tail}` : '');
    s = s.slice(0, contains.index);
  }
  return { subject: s.replace(/^的|的$/g, '').trim(), tail: tail.trim() };
}

function splitChineseEnumeration(clause: string): string[] {
  return clause.split('、').flatMap((part) => {
    const pieces = part.split(ZH_AND).map((p) => p.replace(ZH_LEAD_IN, '').trim()).filter(Boolean);
    // Long pieces mean 和 was joining clauses, not listing things: keep the clause whole.
    return pieces.length > 1 && pieces.every((p) => p.length <= ZH_SHORT_ITEM) ? pieces : [part.trim()];
  });
}

// ---------------------------------------------------------------- English

const EN_CLAUSE = /[.!?]+(?=\s|$)|[;:\n]+/;
const EN_BOILERPLATE: RegExp[] = [
  /^(?:please|pls|kindly)\s+/i,
  /^(?:can|could|would|will)\s+you\s+(?:please\s+)?/i,
  /^i(?:'d| would)?\s+(?:want|like|need|love)\s+(?:you\s+)?(?:to\s+)?(?:see\s+)?/i,
  /^(?:make|create|generate|produce|render|film|shoot|build|write|do|design|animate|give\s+me|show\s+me)\s+(?:me\s+|us\s+)?/i,
  // Articles and adjectives go only together with the media word: "a fox in the snow" keeps its "a".
  /^(?:(?:a|an|one|some)\s+)?(?:\d+[- ]?(?:seconds?|secs?|s|minutes?|mins?)(?:[- ]long)?\s+)?(?:(?:short|brief|quick|little|small|simple|cinematic|animated|beautiful|fun|nice|cool)\s+)*(?:video|film|clip|movie|animation|animatic|story|reel|short|documentary|trailer|vlog)s?\b[\s,]*/i,
  /^(?:about|of|on|showing|featuring|depicting|that\s+shows|which\s+shows|telling|regarding|on\s+the\s+topic\s+of)\s+/i,
];
const EN_CONTAINS = /,?\s+(?:with|including|featuring|showing|that\s+has|which\s+has|where\s+we\s+see)\s+|,\s*/i;
const EN_LEAD_IN =
  /^(?:(?:and|also|then|finally|plus|with|including|featuring|showing|show|include|add|next|after\s+that|it\s+should\s+(?:have|show|include)|there\s+(?:is|are|should\s+be))\s+)+/i;
const EN_AND = /\s+(?:and|&|plus|as\s+well\s+as)\s+/i;
const EN_SHORT_ITEM_WORDS = 5;

function parseEnglish(text: string): ParsedPrompt {
  const clauses = text.split(EN_CLAUSE).map((c) => c.trim()).filter(Boolean);
  let subject = '';
  const itemClauses: string[] = [];
  while (clauses.length > 0 && !subject) {
    const { subject: s, tail } = englishSubject(clauses.shift()!);
    subject = s;
    if (tail) itemClauses.push(tail);
  }
  itemClauses.push(...clauses);
  const items = itemClauses.flatMap((c) => splitEnglishEnumeration(c));
  return { language: 'en', subject, items: tidyItems(items, subject) };
}

function englishSubject(clause: string): { subject: string; tail: string } {
  let s = clause;
  // Each pattern may or may not apply; running them in order peels "please make me a short video about".
  for (const pattern of EN_BOILERPLATE) s = s.replace(pattern, '');
  const contains = EN_CONTAINS.exec(s);
  let tail = '';
  if (contains && contains.index > 0) {
    tail = s.slice(contains.index + contains[0].length);
    s = s.slice(0, contains.index);
  }
  return { subject: s.replace(/[,\s]+$/, '').trim(), tail: tail.trim() };
}

function splitEnglishEnumeration(clause: string): string[] {
  return clause.split(',').flatMap((part) => {
    const cleaned = part.trim().replace(EN_LEAD_IN, '').trim();
    if (!cleaned) return [];
    const pieces = cleaned.split(EN_AND).map((p) => p.replace(EN_LEAD_IN, '').trim()).filter(Boolean);
    const short = pieces.every((p) => p.split(/\s+/).length <= EN_SHORT_ITEM_WORDS);
    return pieces.length > 1 && short ? pieces : [cleaned];
  });
}

// ---------------------------------------------------------------- shared

function tidyItems(items: string[], subject: string): string[] {
  const seen = new Set<string>([subject.toLowerCase()]);
  const out: string[] = [];
  for (const raw of items) {
    const item = raw.replace(/^[\s,，、的]+|[\s,，、.。]+$/g, '').trim();
    const key = item.toLowerCase();
    if (!item || seen.has(key)) continue;
    seen.add(key);
    out.push(item);
  }
  return out;
}
