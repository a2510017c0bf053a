import { sep } from 'node:path';

/**
 * `text` with each folder of `folders` (absolute paths) replaced by its name, e.g. `DATA_DIR`:
 * messages that reach users (a failed render's reason, the admin's model list) say which file is
 * at fault without telling where the server keeps its data. Longer folders first, so a folder
 * inside another is named by its own name.
 */
export function hidePaths(text: string, folders: Record<string, string>): string {
  const byLength = Object.entries(folders).sort(([, a], [, b]) => b.length - a.length);
  let out = text;
  for (const [name, dir] of byLength) {
    const bare = dir.endsWith(sep) ? dir.slice(0, -1) : dir;
    if (!bare) continue;
    out = out.split(bare + sep).join(`${name}/`).split(bare).join(name);
  }
  return out;
}
