import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyGguf } from '@reelcraft/inference';
import { API_ERROR_CODES, newScene, type ModelCapabilities, type ServerToClientEvents, type Storyboard } from '@reelcraft/shared';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoryboardStore } from '../src/projects/storyboard-store';
import { ADMIN_PASSWORD, apiClient, defaultTestDatabase, login, startTestApp, type TestApp } from '../src/testing/test-app';

/**
 * Every error answer carries a machine code (libs/shared API_ERROR_CODES) beside its English
 * message, named at the throw site or taken from the status; and which kinds of model are usable
 * is open to every user (the studio disables Rewrite… without an LLM), with `models:changed` on
 * the socket when an admin's rescan changes it.
 */
describe('error codes and model capabilities', () => {
  let t: TestApp;
  let modelsDir: string;
  let admin: ReturnType<typeof apiClient>;
  let bob: ReturnType<typeof apiClient>;
  let bobToken: string;
  const anonymous = () => apiClient(t.baseUrl);

  const storyboard = (): Storyboard => ({
    title: 'Harbour',
    language: 'en',
    style: { style_prompt: '', negative_prompt: '', seed: 0, aspect: '16:9', width: 640, height: 360, fps: 24 },
    characters: [],
    music: { enabled: false, track_name: '', file_id: null, volume: 0.8, fade_in_sec: 1, fade_out_sec: 2 },
    scenes: [newScene({ description: 'A harbour at dawn.' }), newScene({ description: 'Boats leave.', locked: true })],
  });

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), 'reelcraft-errors-models-'));
    t = await startTestApp(defaultTestDatabase(), { MODELS_DIR: modelsDir, UPLOAD_MAX_MB: '1' });
    admin = apiClient(t.baseUrl, await login(t.baseUrl, 'admin', ADMIN_PASSWORD));
    expect((await admin('POST', '/api/users', { username: 'bob', password: 'bob-password' })).status).toBe(201);
    bobToken = await login(t.baseUrl, 'bob', 'bob-password');
    bob = apiClient(t.baseUrl, bobToken);
  });
  afterAll(async () => {
    await t?.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it('names the code of sign-in, validation and not-found errors, keeping the English message', async () => {
    expect((await anonymous()('GET', '/api/tasks')).json).toMatchObject({ statusCode: 401, error: 'Unauthorized', code: 'unauthenticated' });
    expect((await anonymous()('POST', '/api/users/login', { username: 'bob', password: 'wrong' })).json).toMatchObject({
      statusCode: 401,
      code: 'login_failed',
      message: 'wrong username or password, or the account is disabled',
    });

    const empty = await bob('POST', '/api/tasks', { prompt: '   ' });
    expect(empty.json).toMatchObject({ statusCode: 400, code: 'prompt_empty', message: 'prompt: prompt must not be empty', issues: [{ path: 'prompt' }] });
    const long = await bob('POST', '/api/tasks', { prompt: 'x'.repeat(2001) });
    expect(long.json).toMatchObject({ statusCode: 400, code: 'prompt_too_long', params: { max: 2000 } });
    // Any other field: the generic validation code, per-field issues as before.
    const bad = await bob('POST', '/api/tasks', { prompt: 'a harbour', fps: 'fast' });
    expect(bad.json).toMatchObject({ statusCode: 400, code: 'invalid_input', issues: [expect.objectContaining({ path: expect.any(String) })] });
    expect((await bob('POST', '/api/tasks', '{"prompt": ')).json).toMatchObject({ statusCode: 400, code: 'invalid_json', message: 'request body is not valid JSON' });

    const missing = '00000000-0000-4000-8000-000000000000';
    expect((await bob('GET', `/api/tasks/${missing}`)).json).toMatchObject({ statusCode: 404, code: 'task_not_found', message: `no task ${missing}` });
    expect((await bob('GET', '/api/tasks/not-a-uuid')).json).toMatchObject({ statusCode: 404, code: 'task_not_found' });
    expect((await bob('GET', `/api/projects/${missing}`)).json).toMatchObject({ statusCode: 404, code: 'project_not_found' });
    expect((await bob('GET', '/api/admin/models')).json).toMatchObject({ statusCode: 403, code: 'admin_only' });
  });

  it('gives a throw site without a code the generic code of its status; every code sent is a known one', async () => {
    // Nest's own 404 for a route that does not exist, and a plain HttpException without a code.
    const unknown = await bob('GET', '/api/no-such-route');
    expect(unknown.json).toMatchObject({ statusCode: 404, code: 'not_found' });
    const sub = await bob('GET', '/api/tasks/00000000-0000-4000-8000-000000000000/subtitles.ass');
    expect(sub.status).toBe(404);
    expect(API_ERROR_CODES).toContain(sub.json.code);
  });

  it('refuses a rewrite without a language model as model_missing, and a locked scene with its number', async () => {
    const id = (await admin('POST', '/api/projects', { name: 'Harbour' })).json.id as string;
    expect((await admin('POST', `/api/projects/${id}/members`, { username: 'bob', role: 'editor' })).status).toBe(201);
    const sb = storyboard();
    await t.app.get(StoryboardStore).initialise(id, sb);
    const rewrite = await bob('POST', `/api/projects/${id}/scenes/${sb.scenes[0]!.id}/rewrite`, { instruction: 'Make it night' });
    expect(rewrite.json).toMatchObject({ statusCode: 409, code: 'model_missing', message: 'rewriting a scene needs a language model: put a GGUF in models/llm' });
    const locked = await bob('POST', `/api/projects/${id}/scenes/${sb.scenes[1]!.id}/split`);
    expect(locked.json).toMatchObject({ statusCode: 409, code: 'scene_locked', params: { scene: 2 }, message: 'scene 2 is locked: unlock it first' });
    const viewer = await admin('POST', `/api/projects/${id}/members`, { username: 'nobody-here', role: 'viewer' });
    expect(viewer.json).toMatchObject({ statusCode: 404, code: 'user_not_found', issues: [{ path: 'username' }] });
  });

  it('names upload refusals: the wrong type (415) and a file past UPLOAD_MAX_MB (413)', async () => {
    const id = (await bob('POST', '/api/projects', { name: 'Uploads' })).json.id as string;
    const sb = storyboard();
    await t.app.get(StoryboardStore).initialise(id, sb);
    const upload = async (bytes: Uint8Array, name: string) => {
      const form = new FormData();
      form.append('file', new Blob([bytes]), name);
      const res = await fetch(`${t.baseUrl}/api/projects/${id}/scenes/${sb.scenes[0]!.id}/media`, { method: 'POST', headers: { authorization: `Bearer ${bobToken}` }, body: form });
      return (await res.json()) as Record<string, unknown>;
    };
    expect(await upload(new TextEncoder().encode('meeting notes, not a picture\n'.repeat(10)), 'notes.png')).toMatchObject({ statusCode: 415, code: 'file_type_unsupported' });
    expect(await upload(new Uint8Array(1024 * 1024 + 10), 'big.mp4')).toMatchObject({ statusCode: 413, code: 'file_too_large' });
    // A JSON body past the parser's limit is the request that is too large, not a file.
    const huge = await bob('POST', '/api/tasks', { prompt: 'x'.repeat(300 * 1024) });
    expect(huge.json).toMatchObject({ statusCode: 413, code: 'payload_too_large' });
  });

  it('tells every user which kinds of model are usable, and announces a rescan that changes it', async () => {
    expect((await anonymous()('GET', '/api/models')).status).toBe(401);
    const before = await bob('GET', '/api/models');
    expect(before.json).toMatchObject({ llm: false, diffusion: false, embeddings: false } satisfies Partial<ModelCapabilities>);

    const socket: Socket<ServerToClientEvents> = io(t.baseUrl, { path: '/socket.io', transports: ['websocket'], auth: { token: bobToken }, reconnection: false });
    try {
      await new Promise<void>((res, rej) => {
        socket.once('connect', () => res());
        socket.once('connect_error', rej);
      });
      const heard: ModelCapabilities[] = [];
      socket.on('models:changed', (c) => heard.push(c));
      // A rescan that changes nothing announces nothing; the one after a GGUF arrived does.
      expect((await admin('POST', '/api/admin/models/rescan')).status).toBe(200);
      await writeTinyGguf(join(modelsDir, 'llm', 'tiny.gguf'));
      const announced = new Promise<ModelCapabilities>((res) => socket.once('models:changed', res));
      expect((await admin('POST', '/api/admin/models/rescan')).status).toBe(200);
      expect(await announced).toMatchObject({ llm: true, diffusion: false, embeddings: false });
      expect(heard).toHaveLength(1);
      expect((await bob('GET', '/api/models')).json).toMatchObject({ llm: true });
    } finally {
      socket.close();
    }
  });
});
