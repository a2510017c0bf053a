import { readFile } from 'node:fs/promises';

/**
 * A model folder's optional JSON file (tokenizer_config.json, scheduler_config.json, …): undefined
 * when the file is not there; a file that is there but cannot be read or parsed is an error that
 * names it, never silently an empty config.
 */
export async function readJsonIfExists(path: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}
