/**
 * Escaping for the two places where ffmpeg parses paths out of text we generate.
 * See "Quoting and escaping" in ffmpeg-filters(1) and the concat demuxer in ffmpeg-formats(1).
 */

/**
 * Escapes a value (typically a path) for use as a filter option inside a `-filter_complex` graph.
 * Two levels apply: the filter's option parser treats `\ ' :` as special, and then the graph parser
 * treats `\ ' [ ] , ;` as special, so the value is escaped for the first and the result for the second.
 * No shell level: we spawn ffmpeg without a shell.
 */
export function escapeFilterValue(value: string): string {
  const optionLevel = value.replace(/[\\':]/g, '\\$&');
  return optionLevel.replace(/[\\'[\],;]/g, '\\$&');
}

/**
 * The concat demuxer's list file. Paths are single-quoted; a quote inside is written as `'\''`
 * (close, escaped quote, reopen), as in a POSIX shell. Paths should be absolute: relative ones
 * resolve against the list file's folder, and absolute ones need `-safe 0`.
 */
export function concatListFile(paths: readonly string[]): string {
  const lines = paths.map((p) => {
    // The list is parsed line by line, so a path with a line break cannot be expressed.
    if (/[\r\n]/.test(p)) throw new Error(`clip path contains a line break, which the concat demuxer cannot read: ${JSON.stringify(p)}`);
    return `file '${p.replace(/'/g, `'\\''`)}'`;
  });
  return ['ffconcat version 1.0', ...lines, ''].join('\n');
}
