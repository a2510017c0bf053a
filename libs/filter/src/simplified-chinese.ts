/**
 * Traditional → simplified Chinese, one character at a time, so that a normalised character
 * always stands for exactly one character of the original text and offsets stay exact.
 * OpenCC's phrase tables are of no use here: a phrase conversion can change the length.
 */

type Converter = (text: string) => string;
interface OpenCC {
  Converter(options: { from: 'hk' | 'tw' | 't'; to: 'cn' }): Converter;
}

let converters: Converter[] | undefined;

/**
 * Standard traditional first, then Hong Kong variants (衞 → 卫, 敍 → 叙). Taiwan's table is left
 * out: on single characters it only adds variant choices that would also rewrite characters of
 * simplified text (么 → 幺).
 */
function load(): Converter[] {
  // opencc-js is an ES module with a CommonJS build; its types only describe the ESM side, which a
  // CommonJS package cannot import statically. `t2cn` carries only the tables needed here.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const opencc = require('opencc-js/t2cn') as OpenCC;
  return [opencc.Converter({ from: 't', to: 'cn' }), opencc.Converter({ from: 'hk', to: 'cn' })];
}

/** The simplified form of one Han character, or the character itself when there is no one-to-one form. */
export function toSimplified(char: string): string {
  converters ??= load();
  for (const convert of converters) {
    const out = convert(char);
    if (out !== char && out.length > 0 && String.fromCodePoint(out.codePointAt(0)!) === out) return out;
  }
  return char;
}
