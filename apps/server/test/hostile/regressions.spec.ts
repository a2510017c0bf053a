import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newScene } from '@reelcraft/shared';
import { StoryboardStore } from '../../src/projects/storyboard-store';
import { ADMIN_PASSWORD, apiClient, defaultTestDatabase, login, startTestApp, type TestApp } from '../../src/testing/test-app';

/**
 * The inputs the hostile-input properties (hostile.spec.ts) found failing, kept as named examples
 * that run whatever the seed. Each one failed before its fix.
 */
describe('hostile-input regressions', () => {
  let t: TestApp;
  let admin: ReturnType<typeof apiClient>;
  let alice: ReturnType<typeof apiClient>;
  const tokens = { admin: '', alice: '' };
  let projectId: string;
  let sceneId: string;

  beforeAll(async () => {
    t = await startTestApp(defaultTestDatabase());
    tokens.admin = await login(t.baseUrl, 'admin', ADMIN_PASSWORD);
    admin = apiClient(t.baseUrl, tokens.admin);
    expect((await admin('POST', '/api/users', { username: 'alice', password: 'alice-password' })).status).toBe(201);
    tokens.alice = await login(t.baseUrl, 'alice', 'alice-password');
    alice = apiClient(t.baseUrl, tokens.alice);
    projectId = (await alice('POST', '/api/projects', { name: 'Regressions' })).json.id;
    await t.app.get(StoryboardStore).initialise(projectId, {
      title: 'Regressions',
      language: 'en',
      style: { style_prompt: '', negative_prompt: '', seed: 0, aspect: '16:9', width: 640, height: 360, fps: 24 },
      characters: [],
      music: { enabled: false, track_name: '', file_id: null, volume: 0.8, fade_in_sec: 1, fade_out_sec: 2 },
      scenes: [newScene({ description: 'a harbour' })],
    });
    sceneId = (await alice('GET', `/api/projects/${projectId}/storyboard`)).json.scenes[0].id;
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Posts a multipart form (text fields, then one file part) as `who`; status, text and parsed JSON back. */
  async function upload(who: keyof typeof tokens, path: string, fields: [string, string][], content: Buffer) {
    const b = 'regressionBoundary';
    const parts: Buffer[] = fields.map(([k, v]) => Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
    parts.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="clip.mp4"\r\nContent-Type: image/png\r\n\r\n`), content, Buffer.from(`\r\n--${b}--\r\n`));
    const res = await fetch(t.baseUrl + path, { method: 'POST', headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': `multipart/form-data; boundary=${b}` }, body: new Uint8Array(Buffer.concat(parts)) });
    const text = await res.text();
    return { status: res.status, text, json: JSON.parse(text) as { message?: string } };
  }

  it("an upload ffprobe cannot read is a 400 that does not name the server's upload path", async () => {
    // Found as: a WAV header with nothing behind it, posted as music, answered
    // "the wav file cannot be read: ffprobe failed for /…/uploads-tmp/2a4a…: …". Likewise MP4 and WebM headers as scene media.
    const cases = [
      { path: '/api/admin/music', who: 'admin' as const, fields: [['name', '!']] as [string, string][], content: Buffer.from('52494646000000005741564566', 'hex') },
      { path: `/api/projects/${projectId}/scenes/${sceneId}/media`, who: 'alice' as const, fields: [], content: Buffer.from('000000186674797069736f6d0000', 'hex') },
      { path: `/api/projects/${projectId}/scenes/${sceneId}/media`, who: 'alice' as const, fields: [], content: Buffer.concat([Buffer.from('1a45dfa3', 'hex'), Buffer.alloc(20, 1)]) },
    ];
    for (const c of cases) {
      const res = await upload(c.who, c.path, c.fields, c.content);
      expect(res.status, res.text).toBe(400);
      expect(res.json.message).toMatch(/cannot be read/);
      expect(res.text).not.toContain(t.config.dataDir);
      expect(res.text).not.toContain('uploads-tmp');
    }
  });

  it('text with a NUL character is a 400 on every validated edge (it was a 500 on PostgreSQL and stored as is on SQLite)', async () => {
    // Found as: PATCH /api/projects/{id} {"name":"a\u0000b"} answered 500 on PostgreSQL
    // ("invalid byte sequence for encoding UTF8: 0x00"); the same name was kept on SQLite.
    const nul = 'a\u0000b';
    const bodies: [ReturnType<typeof apiClient>, string, string, unknown][] = [
      [alice, 'PATCH', `/api/projects/${projectId}`, { name: nul }],
      [alice, 'POST', '/api/projects', { name: 'ok', prompt: `a quiet ${nul}` }],
      [alice, 'POST', `/api/projects/${projectId}/versions`, { name: nul }],
      [alice, 'POST', '/api/tasks/batch', { prompts: ['fine', nul] }],
      [admin, 'POST', '/api/admin/filter-rules/test', { text: nul }],
      [apiClient(t.baseUrl), 'POST', '/api/users/login', { username: nul, password: 'x' }],
    ];
    for (const [call, method, path, body] of bodies) {
      const res = await call(method, path, body);
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(400);
      expect(res.json.message).toMatch(/NUL/);
    }
    // The query string is validated the same way: a search for it is refused, not run.
    const search = await admin('GET', '/api/users?q=a%00b');
    expect(search.status, search.text).toBe(400);
    // And so are the fields of a multipart form.
    const music = await upload('admin', '/api/admin/music', [['name', nul]], Buffer.from('52494646000000005741564566', 'hex'));
    expect(music.status, music.text).toBe(400);
    expect(music.json.message).toMatch(/NUL/);
    // Nothing was stored under the name.
    expect((await alice('GET', `/api/projects/${projectId}`)).json.name).toBe('Regressions');
    expect((await alice('GET', '/api/projects')).json.items.every((p: { name: string }) => !p.name.includes('\u0000'))).toBe(true);
  });
});
