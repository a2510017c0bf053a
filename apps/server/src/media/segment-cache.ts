import { randomBytes } from 'node:crypto';
import { open, mkdir, readdir, rename, rm, stat, utimes, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** Picture segments are MP4 files, audio tracks M4A (the same container), posters JPEG. */
export type CachedKind = 'mp4' | 'm4a' | 'jpg';

const isWhole = (path: string, kind: CachedKind) => (kind === 'jpg' ? isWholeJpeg(path) : isWholeMp4(path));

/**
 * Encoded segments by content key (a hash of everything that decides their pixels, see
 * segment-encode's segmentKey): `<dir>/<key>.mp4`; audio tracks the same way, `<key>.m4a`. A file
 * appears only complete (written under a temporary name, then renamed), so two assemblies that make
 * the same segment at once simply both rename; the bytes are the same. Bounded by size: files
 * beyond `maxBytes` go least recently used first, use being the mtime, which every hit refreshes.
 */

export class SegmentCache {
  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {
    if (!(Number.isFinite(maxBytes) && maxBytes >= 0)) throw new Error(`segment cache: invalid size limit ${maxBytes}`);
  }

  pathOf(key: string, ext: CachedKind = 'mp4'): string {
    if (!/^[0-9a-f]{16,128}$/.test(key)) throw new Error(`segment cache: invalid key ${key}`);
    return join(this.dir, `${key}.${ext}`);
  }

  /**
   * The cached segment's path, or null when there is none or it is damaged (then it is removed, so
   * the caller encodes it again). A hit is marked used.
   */
  async get(key: string, ext: CachedKind = 'mp4'): Promise<string | null> {
    const path = this.pathOf(key, ext);
    if (!(await isWhole(path, ext))) {
      await rm(path, { force: true });
      return null;
    }
    const now = new Date();
    // A file pruned by another assembly between the check and here is simply a miss.
    return utimes(path, now, now).then(
      () => path,
      () => null,
    );
  }

  /** Runs `produce(tmpPath)` and moves its output into place; the temporary file never outlives a failure. */
  async put(key: string, produce: (tmpPath: string) => Promise<void>, ext: CachedKind = 'mp4'): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const path = this.pathOf(key, ext);
    const tmp = join(this.dir, `.${key}.${randomBytes(4).toString('hex')}.partial.${ext}`);
    try {
      await produce(tmp);
      if (!(await isWhole(tmp, ext))) throw new Error(`segment cache: the encoded file ${tmp} is not a complete ${ext === 'jpg' ? 'JPEG' : 'MP4'}`);
      await rename(tmp, path);
    } finally {
      await rm(tmp, { force: true });
    }
    return path;
  }

  /**
   * Removes the least recently used segments until the folder holds at most maxBytes; `keep` (the
   * segments of the assembly just made) stays even when it alone is larger. Leftover temporary
   * files of a crashed assembly go too once they are an hour old.
   */
  async prune(keep: ReadonlySet<string> = new Set()): Promise<{ removed: number; bytes: number }> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return { removed: 0, bytes: 0 };
    }
    const files = (
      await Promise.all(
        names.map(async (name) => {
          const path = join(this.dir, name);
          const s = await stat(path).catch(() => null);
          return s?.isFile() ? { name, path, bytes: s.size, used: s.mtimeMs } : null;
        }),
      )
    ).filter((f) => f !== null);
    let removed = 0;
    const staleBefore = Date.now() - 3600_000;
    for (const f of files.filter((f) => /\.partial\.(mp4|m4a|jpg)$/.test(f.name) && f.used < staleBefore)) {
      await rm(f.path, { force: true });
      removed++;
    }
    const segments = files.filter((f) => /^[0-9a-f]+\.(mp4|m4a|jpg)$/.test(f.name));
    let bytes = segments.reduce((s, f) => s + f.bytes, 0);
    for (const f of segments.sort((a, b) => a.used - b.used)) {
      if (bytes <= this.maxBytes) break;
      if (keep.has(f.path)) continue;
      await rm(f.path, { force: true });
      bytes -= f.bytes;
      removed++;
    }
    return { removed, bytes };
  }
}

/**
 * Whether a file is an MP4 whose top-level boxes run exactly to its end and include both the
 * sample table (`moov`) and the samples (`mdat`): a file cut short anywhere fails this, without
 * decoding it. Reads only the box headers.
 */
export function isWholeMp4(path: string): Promise<boolean> {
  return readingFile(path, async (fh) => {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(16);
    const seen = new Set<string>();
    let at = 0;
    while (at < size) {
      if (size - at < 8) return false;
      await fh.read(head, 0, 16, at);
      let box = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      if (box === 1) {
        if (size - at < 16) return false;
        box = Number(head.readBigUInt64BE(8));
      }
      if (box < 8 || at + box > size) return false;
      seen.add(type);
      at += box;
    }
    return seen.has('ftyp') && seen.has('moov') && seen.has('mdat');
  });
}

/** Whether a file is a JPEG that ends where it should: start-of-image marker first, end-of-image last. */
export function isWholeJpeg(path: string): Promise<boolean> {
  return readingFile(path, async (fh) => {
    const size = (await fh.stat()).size;
    if (size < 4) return false;
    const head = Buffer.alloc(2);
    const tail = Buffer.alloc(2);
    await fh.read(head, 0, 2, 0);
    await fh.read(tail, 0, 2, size - 2);
    return head[0] === 0xff && head[1] === 0xd8 && tail[0] === 0xff && tail[1] === 0xd9;
  });
}

/** `check` over the open file, closed after; false when the file cannot be opened (gone, unreadable). */
async function readingFile(path: string, check: (fh: FileHandle) => Promise<boolean>): Promise<boolean> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch {
    return false;
  }
  try {
    return await check(fh);
  } finally {
    await fh.close();
  }
}
