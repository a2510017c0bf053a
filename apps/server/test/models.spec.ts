import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyDiffusionPipeline, writeTinyEmbeddingsModel, writeTinyGguf } from '@reelcraft/inference';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, apiClient, defaultTestDatabase, login, startTestApp, type TestApp } from '../src/testing/test-app';

/** The admin console's model view over a real MODELS_DIR: one good GGUF, one cut short. */
describe('admin models API', () => {
  let t: TestApp;
  let modelsDir: string;
  let admin: ReturnType<typeof apiClient>;
  let user: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), 'reelcraft-models-api-'));
    await writeTinyGguf(join(modelsDir, 'llm', 'good.gguf'));
    await writeTinyGguf(join(modelsDir, 'llm', 'cut.gguf'));
    await truncate(join(modelsDir, 'llm', 'cut.gguf'), 100_000);
    await writeTinyDiffusionPipeline(join(modelsDir, 'diffusion', 'tiny-sd'));
    await writeTinyDiffusionPipeline(join(modelsDir, 'diffusion', 'renamed'), { fault: 'wrong-input-name' });
    await writeTinyEmbeddingsModel(join(modelsDir, 'embeddings', 'minilm'), { layout: 'onnx-subfolder' });
    await writeTinyEmbeddingsModel(join(modelsDir, 'embeddings', 'no-mask'), { fault: 'no-attention-mask' });
    await writeTinyEmbeddingsModel(join(modelsDir, 'embeddings', 'odd-vocab'), { tokenizer: 'unigram' });
    await writeFile(join(modelsDir, 'embeddings', 'odd-vocab', 'tokenizer.json'), '{"model": {"type": "BPE"}}');
    t = await startTestApp(defaultTestDatabase(), { MODELS_DIR: modelsDir });
    admin = apiClient(t.baseUrl, await login(t.baseUrl, 'admin', ADMIN_PASSWORD));
    expect((await admin('POST', '/api/users', { username: 'carol', password: 'carol-password' })).status).toBe(201);
    user = apiClient(t.baseUrl, await login(t.baseUrl, 'carol', 'carol-password'));
  });
  afterAll(async () => {
    await t?.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it('shows admins every model with what is wrong with it', async () => {
    const res = await admin('GET', '/api/admin/models');
    expect(res.status).toBe(200);
    // Paths relative to MODELS_DIR: the console never learns where the server keeps its files.
    expect(res.json).toMatchObject({ modelsDir: 'MODELS_DIR' });
    expect(JSON.stringify(res.json)).not.toContain(modelsDir);
    const [cut, good] = res.json.llm;
    expect([good.path, res.json.diffusion[1].path]).toEqual(['llm/good.gguf', 'diffusion/tiny-sd']);
    expect(good).toMatchObject({ kind: 'llm', name: 'good.gguf', ok: true, problems: [], details: { architecture: 'llama', contextLength: 512 } });
    expect(cut).toMatchObject({ kind: 'llm', name: 'cut.gguf', ok: false });
    expect(cut.problems).toEqual([expect.stringMatching(/^truncated: tensor .* needs the file to be \d+ bytes, it has 100000$/)]);
    // Diffusion exports are checked session by session (in a child process), down to input names.
    const [renamed, tiny] = res.json.diffusion;
    expect(tiny).toMatchObject({ kind: 'diffusion', name: 'tiny-sd', ok: true, problems: [] });
    expect(renamed).toMatchObject({ name: 'renamed', ok: false });
    expect(renamed.problems).toContainEqual(expect.stringMatching(/^unet\/model\.onnx: missing input sample/));
    // So are embedding models, file by file, and the tokenizer each would use (in the child too).
    const [minilm, noMask, oddVocab] = res.json.embeddings;
    expect(minilm).toMatchObject({ kind: 'embeddings', name: 'minilm', ok: true, problems: [], details: { model: ['onnx/model.onnx'], tokenizer: ['vocab.txt'] } });
    expect(noMask).toMatchObject({ name: 'no-mask', ok: false, problems: [expect.stringMatching(/^model\.onnx: missing input attention_mask/)] });
    expect(oddVocab).toMatchObject({ name: 'odd-vocab', ok: false, problems: [expect.stringMatching(/^tokenizer: /)] });
  });

  it('rescans on request', async () => {
    await writeTinyGguf(join(modelsDir, 'llm', 'later.gguf'));
    expect((await admin('GET', '/api/admin/models')).json.llm).toHaveLength(2);
    const res = await admin('POST', '/api/admin/models/rescan');
    expect(res.status).toBe(200);
    expect(res.json.llm.map((e: { name: string }) => e.name)).toEqual(['cut.gguf', 'good.gguf', 'later.gguf']);
  });

  it('is for admins only', async () => {
    expect((await user('GET', '/api/admin/models')).status).toBe(403);
    expect((await user('POST', '/api/admin/models/rescan')).status).toBe(403);
    expect((await apiClient(t.baseUrl)('GET', '/api/admin/models')).status).toBe(401);
  });
});
