import { HttpException } from '@nestjs/common';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { loadConfig } from '../config/config';
import type { AuditLog, AuditRecord } from '../moderation/audit-log';
import { MemoryMusicTrackRepository } from '../testing/memory-music-tracks';
import { MusicLibrary } from './music.service';

/** The library's rules over the in-memory repository, with real files and the real audio check (ffprobe/ffmpeg). */
describe('MusicLibrary', () => {
  let dir: string;
  let sine: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'reelcraft-music-'));
    sine = join(dir, 'sine.mp3');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-c:a', 'libmp3lame', '-b:a', '64k', sine]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function setup() {
    const dataDir = mkdtempSync(join(dir, 'data-'));
    const audited: AuditRecord[] = [];
    const audit = { record: async (r: AuditRecord) => void audited.push(r) } as Pick<AuditLog, 'record'> as AuditLog;
    const repo = new MemoryMusicTrackRepository();
    return { dataDir, audited, repo, library: new MusicLibrary(repo, loadConfig({ DATA_DIR: dataDir }), audit) };
  }
  const admin: AuthenticatedUser = { id: 'a1', username: 'admin', role: 'admin', sessionId: 's1' };
  const upload = (from: string, name: string) => {
    const path = join(dir, `upload-${Math.random().toString(36).slice(2)}`);
    copyFileSync(from, path);
    return { path, size: statSync(path).size, originalname: name };
  };

  it('keeps a checked track under DATA_DIR/music, lists it, serves its path and deletes it with its file', async () => {
    const { library, dataDir, audited } = setup();
    const file = upload(sine, 'theme.mp3');
    const view = await library.add(admin, { name: '主题', licence: 'CC0' }, file);
    expect(view).toMatchObject({ name: '主题', licence: 'CC0', format: 'mp3', url: `/api/music/${view.id}/file` });
    expect(view.duration).toBeGreaterThan(1.9);
    // The upload was moved, not copied.
    expect(existsSync(file.path)).toBe(false);
    const path = await library.pathOf(view.id);
    expect(path?.startsWith(join(dataDir, 'music'))).toBe(true);
    expect(existsSync(path!)).toBe(true);
    expect((await library.list()).map((t) => t.id)).toEqual([view.id]);
    await library.remove(admin, view.id);
    expect(existsSync(path!)).toBe(false);
    expect(await library.pathOf(view.id)).toBeNull();
    expect(audited.map((a) => a.action)).toEqual(['music.add', 'music.delete']);
    await expect(library.remove(admin, view.id)).rejects.toMatchObject({ status: 404 });
  });

  it('refuses a file that is not audio, whatever its name, and leaves nothing behind', async () => {
    const { library, dataDir, repo } = setup();
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'this is not music at all, just words in a file');
    const file = upload(text, 'song.mp3');
    const err = await library.add(admin, { name: 'fake', licence: '' }, file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpException);
    expect((err as HttpException).getStatus()).toBe(415);
    expect(existsSync(file.path)).toBe(false);
    expect(existsSync(join(dataDir, 'music'))).toBe(false);
    expect(await repo.list()).toEqual([]);
    await expect(library.add(admin, { name: 'none', licence: '' }, undefined)).rejects.toThrow(/multipart field "file"/);
  });
});
