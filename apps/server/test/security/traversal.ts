import { readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../src/testing/test-app';
import { CANARY, postFile, type People, type Suite } from './fixtures';

/**
 * Issue 15 item 3, path traversal on every route that serves or takes a file: task videos,
 * subtitles, posters, stills and clips, takes, scene media, music, the worker's file upload and
 * chain frame, and the studio's static files. Every hostile segment (plain, encoded,
 * double-encoded, overlong UTF-8, full-width dots, Windows separators, absolute paths, NUL) in
 * every file name or id position: never a 2xx, never a 5xx, and never the bytes of a canary file
 * planted beside the data folder or of the database. Uploads under hostile file names store
 * nothing outside the data folder. Requests go out raw (node:http), so that no client
 * normalises the path first.
 */

const SEGMENTS = [
  '..',
  '.',
  '...',
  '..%2F..%2F..%2Fcanary.txt',
  '..%2f..%2fcanary.txt',
  '%2e%2e',
  '%2e%2e%2f%2e%2e%2fcanary.txt',
  '%2E%2E%2F%2E%2E%2Fcanary.txt',
  '%252e%252e%252fcanary.txt',
  '..%252f..%252fcanary.txt',
  '%c0%ae%c0%ae%c0%afcanary.txt',
  '%ef%bc%8e%ef%bc%8e%ef%bc%8fcanary.txt',
  '..%5c..%5ccanary.txt',
  '..%5C..%5C..%5Cwindows%5Cwin.ini',
  'C:%5CWindows%5Cwin.ini',
  '%2Fetc%2Fpasswd',
  '%2F%2F127.0.0.1%2Fshare',
  'clip.mp4%00.txt',
  '%00',
  '....%2F%2F....%2F%2Fcanary.txt',
  '..;%2Fcanary.txt',
  '0x1%2F..%2F..%2Fcanary.txt',
  '1%2F..%2F..%2F..%2Fcanary.txt',
];
/** Whole paths that leave a folder with unencoded separators (the router sees these). */
const RAW_SUFFIXES = ['/../../canary.txt', '/..%2f..%2fcanary.txt', '/%2e%2e/%2e%2e/canary.txt', '/./../canary.txt', '\\..\\..\\canary.txt'];

export function pathTraversal(suite: () => Suite): void {
  describe('security: path traversal on file routes', () => {
    let t: TestApp;
    let p: People;
    let files: Suite['files'];
    let canaryDir: string;
    let workerToken: string;
    const ids = { task: '', project: '', take: '', media: '', music: '', scene: '' };
    const answers = new Map<number, number>();

    /** A GET (or other method) with the path exactly as given. */
    function raw(path: string, token?: string, method = 'GET', body?: string): Promise<{ status: number; body: Buffer }> {
      const url = new URL(t.baseUrl);
      return new Promise((resolve, reject) => {
        const req = request({ host: url.hostname, port: url.port, method, path, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/octet-stream', 'content-length': Buffer.byteLength(body) } : {}) } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
      });
    }

    /** Refused without a server error, and nothing from outside the folder in the answer. */
    async function refused(path: string, token?: string, method = 'GET', body?: string) {
      const res = await raw(path, token, method, body);
      answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
      const text = res.body.toString('latin1');
      expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${path}`).toBeLessThan(500);
      expect(text, path).not.toContain(CANARY);
      expect(text, path).not.toContain('SQLite format 3');
      expect(text, path).not.toMatch(/root:.*:0:0:/);
    }

    beforeAll(async () => {
      const s = suite();
      ({ t, p, files, canaryDir } = s);
      Object.assign(ids, { project: s.project.id, scene: s.project.scenes[0]!, task: s.task, take: s.take, media: s.media, music: s.music });
      workerToken = (await p.admin('POST', '/api/admin/worker-tokens', { name: 'traversal' })).json.token;
    });
    afterAll(() => {
      console.log(`path traversal: ${[...answers.values()].reduce((a, b) => a + b, 0)} requests, answers ${[...answers].map(([s, n]) => `${s}×${n}`).join(' ')}`);
    });

    it('serves the real files (the routes under attack do work)', async () => {
      for (const path of [
        `/api/tasks/${ids.task}/video`,
        `/api/tasks/${ids.task}/subtitles.vtt`,
        `/api/tasks/${ids.task}/poster.jpg`,
        `/api/tasks/${ids.task}/scenes/1/poster.jpg`,
        `/api/tasks/${ids.task}/clips/1`,
        `/api/projects/${ids.project}/takes/${ids.take}/clip`,
        `/api/projects/${ids.project}/takes/${ids.take}/poster`,
        `/api/projects/${ids.project}/media/${ids.media}`,
        `/api/music/${ids.music}/file`,
      ]) {
        expect((await raw(path, p.tokens.viewer)).status, path).toBe(200);
      }
      expect((await raw('/_app/app.js')).status).toBe(200);
    });

    it('refuses a hostile segment in every id or file-name position of the file routes', async () => {
      const templates = [
        (s: string) => `/api/tasks/${s}/video`,
        (s: string) => `/api/tasks/${ids.task}/subtitles.${s}`,
        (s: string) => `/api/tasks/${ids.task}/subtitles.vtt${s}`,
        (s: string) => `/api/tasks/${s}/poster.jpg`,
        (s: string) => `/api/tasks/${ids.task}/scenes/${s}/poster.jpg`,
        (s: string) => `/api/tasks/${ids.task}/clips/${s}`,
        (s: string) => `/api/projects/${ids.project}/takes/${s}/clip`,
        (s: string) => `/api/projects/${ids.project}/takes/${s}/poster`,
        (s: string) => `/api/projects/${s}/takes/${ids.take}/clip`,
        (s: string) => `/api/projects/${ids.project}/media/${s}`,
        (s: string) => `/api/projects/${ids.project}/scenes/${s}/takes`,
        (s: string) => `/api/music/${s}/file`,
      ];
      for (const template of templates) for (const s of SEGMENTS) await refused(template(s), p.tokens.owner);
    });

    it('refuses paths that climb out with unencoded or backslash separators, on the file routes and the studio', async () => {
      const bases = [`/api/tasks/${ids.task}/video`, `/api/tasks/${ids.task}/clips/1`, `/api/projects/${ids.project}/takes/${ids.take}/clip`, `/api/music/${ids.music}/file`, '/_app', '/_app/app.js', ''];
      for (const base of bases) for (const suffix of RAW_SUFFIXES) await refusedOrStudioPage(base + suffix);
      for (const s of SEGMENTS) await refusedOrStudioPage(`/_app/${s}`);
      for (const s of SEGMENTS) await refusedOrStudioPage(`/${s}`);
    });

    /** The studio answers unknown pages with its own index (a client-side route): that is no file from outside. */
    async function refusedOrStudioPage(path: string) {
      const res = await raw(path, p.tokens.owner);
      answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
      const text = res.body.toString('latin1');
      expect(res.status, path).toBeLessThan(500);
      expect(text, path).not.toContain(CANARY);
      expect(text, path).not.toContain('SQLite format 3');
      if (res.status < 300) expect(text, path).toMatch(/<title>studio<\/title>/);
    }

    it('refuses hostile file names and job ids on the worker file routes (with a real worker token)', async () => {
      for (const s of [...SEGMENTS, '..%2Fx', '%2e%2e%2fx', '.clip.mp4', 'clip.mp4%2F..', 'a%5Cb.mp4', '%2Ftmp%2Fx.mp4', 'x.mp4%00', 'x.sh', '%E2%80%AEx.mp4']) {
        await refused(`/api/workers/jobs/1/files/${s}`, workerToken, 'PUT', CANARY);
        await refused(`/api/workers/jobs/${s}/files/clip.mp4`, workerToken, 'PUT', CANARY);
        await refused(`/api/workers/jobs/${s}/chain-frame`, workerToken);
      }
      for (const suffix of RAW_SUFFIXES) await refused(`/api/workers/jobs/1/files${suffix}`, workerToken, 'PUT', CANARY);
      // Nothing was written anywhere by these uploads.
      expect(filesUnder(t.config.dataDir).filter((f) => readText(f).includes(CANARY) && !f.endsWith(`${sep}canary.txt`))).toEqual([]);
    });

    it('stores uploads under hostile file names inside the data folder only', async () => {
      const names = ['../../../evil.png', '..\\..\\evil.png', '/tmp/evil.png', 'C:\\evil.png', 'a\u0000b.png', '..%2F..%2Fevil.png', '\u202Egnp.png', '.png'];
      const before = new Set(filesUnder(t.config.dataDir));
      for (const name of names) {
        const media = await postFile(t, p.tokens.owner, `/api/projects/${ids.project}/scenes/${ids.scene}/media`, files.png, name);
        expect(media.status, name).toBeLessThan(500);
        const track = await postFile(t, p.tokens.admin, '/api/admin/music', files.wav, name.replace('.png', '.wav'), { name: 'Hostile name' });
        expect(track.status, name).toBeLessThan(500);
      }
      for (const dir of [dirname(t.config.dataDir), canaryDir, files.dir, '/tmp']) {
        expect(readdirSync(dir).filter((f) => f.startsWith('evil')), dir).toEqual([]);
      }
      const root = realpathSync(t.config.dataDir);
      for (const f of filesUnder(t.config.dataDir).filter((f) => !before.has(f))) {
        expect(realpathSync(f).startsWith(root + sep), f).toBe(true);
        expect(f).not.toMatch(/evil/);
      }
    });
  });
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else out.push(full);
  }
  return out;
}

function readText(file: string): string {
  try {
    return statSync(file).size < 1_000_000 ? readFileSync(file, 'latin1') : '';
  } catch {
    return '';
  }
}
