import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyEmbeddingsModel } from '../testing/tiny-embeddings';
import { encodeGguf } from '../testing/gguf-writer';
import { buildTinyGguf, writeTinyGguf } from '../testing/tiny-gguf';
import { inspectEmbeddingsFolder } from './inspect-embeddings';
import { metadataValue, readGgufFile } from './gguf-file';
import { ModelRegistry, scanModels } from './registry';

let root: string;

async function touch(path: string, content: string | Uint8Array = '{}'): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
}

/** A diffusion export layout with tiny placeholder files; `skip` leaves parts out. */
async function diffusionDir(dir: string, skip: string[] = []): Promise<void> {
  const files = [
    'model_index.json',
    'text_encoder/model.onnx',
    'unet/model.onnx',
    'unet/model_fp16.onnx',
    'vae_decoder/model.onnx',
    'tokenizer/vocab.json',
    'tokenizer/merges.txt',
    'scheduler/scheduler_config.json',
  ];
  for (const f of files) if (!skip.includes(f)) await touch(join(dir, f), f.endsWith('.json') ? '{}' : 'x');
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'reelcraft-models-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Native libraries this process has mapped; llama.cpp's addon and libggml/libllama would show here once loaded. */
const llamaLibrariesMapped = (): string[] =>
  [...new Set(readFileSync('/proc/self/maps', 'utf8').split('\n').map((l) => l.split(/\s+/)[5] ?? ''))].filter((f) => /llama|ggml/i.test(f));

describe('reading GGUF headers', () => {
  const dlopened: string[] = [];
  const dlopen = process.dlopen;
  beforeAll(() => {
    process.dlopen = (module, filename, ...rest) => {
      dlopened.push(filename);
      return dlopen.call(process, module, filename, ...rest);
    };
  });
  afterAll(() => {
    process.dlopen = dlopen;
  });

  it('reads the metadata and tensor table of the tiny model through node-llama-cpp without loading weights or the native addon', async () => {
    const path = join(root, 'header', 'tiny.gguf');
    const info = await writeTinyGguf(path, { layers: 3 });
    const gguf = await readGgufFile(path);
    expect(gguf.info.version).toBe(3);
    expect(metadataValue(gguf.info.metadata, 'general.architecture')).toBe('llama');
    expect(metadataValue(gguf.info.metadata, 'llama.block_count')).toBe(3);
    expect(metadataValue(gguf.info.metadata, 'llama.attention.head_count')).toBe(4);
    expect(metadataValue(gguf.info.metadata, 'tokenizer.ggml.tokens')).toHaveLength(info.vocabSize);
    expect(metadataValue(gguf.info.metadata, 'llama.no_such_key')).toBeUndefined();
    expect(gguf.tensors).toHaveLength(info.tensorCount);
    expect(gguf.tensors.find((t) => t.name === 'token_embd.weight')?.dimensions).toEqual([64, info.vocabSize]);
    expect(gguf.fileSize).toBe(info.bytes);
    // The server reads headers in its own process: llama.cpp's binding must stay unloaded there.
    expect(dlopened.filter((f) => /llama|ggml/i.test(f))).toEqual([]);
    if (process.platform === 'linux') expect(llamaLibrariesMapped()).toEqual([]);
  });

  it('finds values by their GGUF key where the library had to keep a dotted key whole', async () => {
    const path = join(root, 'header', 'collide.gguf');
    await touch(
      path,
      encodeGguf(
        [
          ['tokenizer.chat_template', { type: 'string', value: 'plain' }],
          ['tokenizer.chat_template.tool_use', { type: 'string', value: 'tools' }],
          ['general.name', { type: 'string', value: 'collide' }],
        ],
        [{ name: 'w', dims: [2], data: new Float32Array(2) }],
      ),
    );
    const gguf = await readGgufFile(path);
    expect(metadataValue(gguf.info.metadata, 'tokenizer.chat_template')).toBe('plain');
    expect(metadataValue(gguf.info.metadata, 'tokenizer.chat_template.tool_use')).toBe('tools');
    expect(metadataValue(gguf.info.metadata, 'general.name')).toBe('collide');
    expect(metadataValue(gguf.info.metadata, 'general.name.x')).toBeUndefined();
  });

  it('never treats the path as a URL or a model URI', async () => {
    // A relative file named like a URI must be read as that file (here: missing), never fetched.
    for (const name of ['https://example.invalid/model.gguf', 'hf:someone/model']) {
      await expect(readGgufFile(name)).rejects.toMatchObject({ code: 'ENOENT' });
    }
  });
});

describe('ModelRegistry', () => {
  it('reports an empty or missing models folder as three empty lists', async () => {
    const empty = join(root, 'empty');
    await mkdir(empty);
    for (const dir of [empty, join(root, 'does-not-exist')]) {
      const view = await scanModels({ modelsDir: dir });
      expect(view).toMatchObject({ modelsDir: dir, llm: [], diffusion: [], embeddings: [] });
    }
  });

  it('accepts a whole GGUF and names precisely what is wrong with broken ones', async () => {
    const dir = join(root, 'llm-mix');
    await writeTinyGguf(join(dir, 'llm', 'a-ok.gguf'));
    await writeTinyGguf(join(dir, 'llm', 'b-no-ff.gguf'), { omitKeys: ['llama.feed_forward_length', 'tokenizer.ggml.token_type'] });
    await writeTinyGguf(join(dir, 'llm', 'c-truncated.gguf'));
    await truncate(join(dir, 'llm', 'c-truncated.gguf'), 300_000);
    await writeTinyGguf(join(dir, 'llm', 'd-header-cut.gguf'));
    await truncate(join(dir, 'llm', 'd-header-cut.gguf'), 2_000);
    await touch(join(dir, 'llm', 'e-not-gguf.gguf'), 'PK\u0003\u0004 this is a zip file, not a model');
    await touch(join(dir, 'llm', 'notes.txt'), 'ignored: not a .gguf');

    const view = await scanModels({ modelsDir: dir });
    expect(view.llm.map((e) => e.name)).toEqual(['a-ok.gguf', 'b-no-ff.gguf', 'c-truncated.gguf', 'd-header-cut.gguf', 'e-not-gguf.gguf']);
    const [ok, noFf, truncated, headerCut, notGguf] = view.llm;
    expect(ok).toMatchObject({ kind: 'llm', ok: true, problems: [] });
    expect(ok!.details).toMatchObject({ architecture: 'llama', contextLength: 512, blockCount: 2, tensorCount: 21, ggufVersion: 3 });
    expect(noFf).toMatchObject({ ok: false, problems: ['llama.feed_forward_length missing', 'tokenizer.ggml.token_type missing'] });
    expect(truncated!.ok).toBe(false);
    expect(truncated!.problems[0]).toMatch(/^truncated: tensor .* needs the file to be \d+ bytes, it has 300000$/);
    expect(headerCut!.problems).toEqual([expect.stringMatching(/^truncated: the file ends inside the metadata \(it has 2000 bytes, the metadata needs at least \d+\)$/)]);
    expect(notGguf).toMatchObject({ ok: false, problems: ['not a GGUF file: the magic number is not "GGUF"'] });
  });

  it('reports an unsupported version and missing tensors', async () => {
    const dir = join(root, 'llm-odd');
    const path = join(dir, 'llm', 'v9.gguf');
    await writeTinyGguf(path);
    const bytes = await readFile(path);
    bytes.writeUInt32LE(9, 4);
    await writeFile(path, bytes);
    await writeTinyGguf(join(dir, 'llm', 'four-blocks.gguf'));
    // Claim more blocks than the file holds: llama.cpp would fail to find blk.2.* and blk.3.*.
    const claim = await readFile(join(dir, 'llm', 'four-blocks.gguf'));
    const key = Buffer.from('llama.block_count');
    const at = claim.indexOf(key) + key.length + 4;
    claim.writeUInt32LE(4, at);
    await writeFile(join(dir, 'llm', 'four-blocks.gguf'), claim);

    const view = await scanModels({ modelsDir: dir });
    expect(view.llm.find((e) => e.name === 'v9.gguf')?.problems).toEqual(['unsupported GGUF version 9 (llama.cpp reads 2 and 3)']);
    expect(view.llm.find((e) => e.name === 'four-blocks.gguf')?.problems).toEqual([
      'tensors missing: blk.2.attn_norm.weight, blk.2.attn_q.weight, blk.2.attn_k.weight, blk.2.attn_v.weight, blk.2.attn_output.weight and 13 more',
    ]);
  });

  it('names a corrupt header instead of reading garbage counts and lengths', async () => {
    const dir = join(root, 'llm-corrupt');
    const { buffer } = buildTinyGguf();
    const write = (name: string, edit: (b: Buffer) => Buffer) => touch(join(dir, 'llm', name), edit(Buffer.from(buffer)));
    const firstKey = 'general.architecture';
    await write('a-empty.gguf', () => Buffer.alloc(0));
    await write('b-counts.gguf', (b) => (b.writeBigUInt64LE(1n << 40n, 8), b));
    await write('c-key-length.gguf', (b) => (b.writeBigUInt64LE(1n << 40n, 24), b));
    await write('d-value-type.gguf', (b) => (b.writeUInt32LE(77, 24 + 8 + firstKey.length), b));
    // Past the last metadata entry, before the end of the tensor table.
    await write('e-table-cut.gguf', (b) => b.subarray(0, b.indexOf('token_embd.weight') + 40));

    const view = await scanModels({ modelsDir: dir });
    expect(view.llm.map((e) => [e.name, e.problems])).toEqual([
      ['a-empty.gguf', ['not a GGUF file: only 0 bytes']],
      ['b-counts.gguf', [`corrupt: the header claims 1099511627776 tensors and 18 metadata entries, more than ${buffer.length} bytes can hold`]],
      ['c-key-length.gguf', [expect.stringMatching(/^corrupt: a length in the header is impossibly large \(/)]],
      ['d-value-type.gguf', ['corrupt: Unsupported GGUF value type "77"']],
      ['e-table-cut.gguf', [expect.stringMatching(/^truncated: the file ends inside the tensor table \(it has \d+ bytes, the header needs \d+\)$/)]],
    ]);
    expect(view.llm.every((e) => e.details['sizeBytes'] !== undefined)).toBe(true);
  });

  it('checks diffusion exports file by file and picks up precision variants', async () => {
    const dir = join(root, 'diffusion-mix');
    await diffusionDir(join(dir, 'diffusion', 'sd-ok'));
    await diffusionDir(join(dir, 'diffusion', 'sd-broken'), ['unet/model.onnx', 'unet/model_fp16.onnx', 'tokenizer/merges.txt']);
    await diffusionDir(join(dir, 'diffusion', 'sd-int8-unet'));
    await touch(join(dir, 'diffusion', 'sd-int8-unet', 'unet', 'model_quantized.onnx'), 'x');
    await diffusionDir(join(dir, 'diffusion', 'sd-bad-json'), ['model_index.json']);
    await touch(join(dir, 'diffusion', 'sd-bad-json', 'model_index.json'), '{ not json');

    const view = await scanModels({ modelsDir: dir });
    const byName = Object.fromEntries(view.diffusion.map((e) => [e.name, e]));
    expect(byName['sd-ok']).toMatchObject({ kind: 'diffusion', ok: true, problems: [] });
    // On the CPU backend full precision beats half; an 8-bit UNet beats both, beside full-precision text encoder and VAE.
    expect(byName['sd-ok']!.details).toMatchObject({ runs: { text_encoder: 'model.onnx', unet: 'model.onnx', vae_decoder: 'model.onnx' }, imageToImage: false, variants: { unet: ['fp32', 'fp16'] } });
    expect(byName['sd-int8-unet']).toMatchObject({ ok: true, details: { runs: { text_encoder: 'model.onnx', unet: 'model_quantized.onnx', vae_decoder: 'model.onnx' }, variants: { unet: ['fp32', 'fp16', 'int8'] } } });
    expect(byName['sd-broken']).toMatchObject({ ok: false, problems: ['unet/model.onnx missing', 'tokenizer/merges.txt missing'] });
    expect(byName['sd-bad-json']!.problems).toEqual(['model_index.json is not valid JSON']);
  });

  it('runs the injected diffusion inspector only on whole layouts and reports what it finds', async () => {
    const dir = join(root, 'diffusion-inspect');
    await diffusionDir(join(dir, 'diffusion', 'a'));
    await diffusionDir(join(dir, 'diffusion', 'b'), ['unet/model.onnx', 'unet/model_fp16.onnx']);
    await diffusionDir(join(dir, 'diffusion', 'c'));
    const inspected: string[] = [];
    const registry = new ModelRegistry({
      modelsDir: dir,
      inspectDiffusion: async (d) => {
        inspected.push(d);
        if (d.endsWith('c')) throw new Error('unet: cannot open session');
        return { ok: false, problems: ['unet input "timestep" has dtype string'] };
      },
    });
    const view = await registry.view();
    expect(inspected).toEqual([join(dir, 'diffusion', 'a'), join(dir, 'diffusion', 'c')]);
    expect(view.diffusion.map((e) => e.problems)).toEqual([
      ['unet input "timestep" has dtype string'],
      ['unet/model.onnx missing'],
      ['inspection failed: unet: cannot open session'],
    ]);
  });

  it('checks embedding models for a model file and a tokenizer', async () => {
    const dir = join(root, 'emb');
    await touch(join(dir, 'embeddings', 'bge', 'onnx', 'model_quantized.onnx'), 'x');
    await touch(join(dir, 'embeddings', 'bge', 'tokenizer.json'));
    await touch(join(dir, 'embeddings', 'half', 'vocab.txt'), 'a');
    const view = await scanModels({ modelsDir: dir });
    expect(view.embeddings).toMatchObject([
      { name: 'bge', ok: true, details: { model: ['onnx/model_quantized.onnx'], tokenizer: ['tokenizer.json'] } },
      { name: 'half', ok: false, problems: ['model.onnx missing (looked in the folder and in onnx/)'] },
    ]);
  });

  it("opens each embedding model file with ONNX Runtime and names what its signature lacks", async () => {
    const dir = join(root, 'emb-onnx');
    await writeTinyEmbeddingsModel(join(dir, 'embeddings', 'a-good'));
    await writeTinyEmbeddingsModel(join(dir, 'embeddings', 'b-optimum'), { layout: 'onnx-subfolder' });
    await writeTinyEmbeddingsModel(join(dir, 'embeddings', 'c-no-mask'), { fault: 'no-attention-mask' });
    await writeTinyEmbeddingsModel(join(dir, 'embeddings', 'd-logits'), { fault: 'wrong-output' });
    await writeTinyEmbeddingsModel(join(dir, 'embeddings', 'e-corrupt'));
    await writeFile(join(dir, 'embeddings', 'e-corrupt', 'model.onnx'), 'not a protobuf');
    await writeTinyEmbeddingsModel(join(dir, 'embeddings', 'f-unigram'), { tokenizer: 'unigram' });
    // A SentencePiece model file alone: present, but nothing here can run it.
    await writeTinyEmbeddingsModel(join(dir, 'embeddings', 'g-spm-only'), { tokenizer: 'unigram' });
    await rm(join(dir, 'embeddings', 'g-spm-only', 'tokenizer.json'));
    await touch(join(dir, 'embeddings', 'g-spm-only', 'sentencepiece.bpe.model'), 'x');
    const view = await scanModels({ modelsDir: dir, inspectEmbeddings: inspectEmbeddingsFolder });
    const [good, optimum, noMask, logits, corrupt, unigram, spmOnly] = view.embeddings;
    expect(unigram).toMatchObject({ ok: true, details: { tokenizer: ['tokenizer.json'] } });
    expect(spmOnly).toMatchObject({ ok: false, problems: ['tokenizer: no usable tokenizer (vocab.txt, or tokenizer.json with a WordPiece or Unigram model)'] });
    expect(good).toMatchObject({ name: 'a-good', ok: true, problems: [], details: { model: ['model.onnx'], tokenizer: ['vocab.txt'] } });
    expect(optimum).toMatchObject({ name: 'b-optimum', ok: true, details: { model: ['onnx/model.onnx'] } });
    expect(noMask).toMatchObject({ ok: false, problems: ['model.onnx: missing input attention_mask (inputs are input_ids int64[batch_size, sequence_length], token_type_ids int64[batch_size, sequence_length])'] });
    expect(logits).toMatchObject({
      ok: false,
      problems: ['model.onnx: no usable output: expected last_hidden_state or token_embeddings float[batch, sequence, dim], or sentence_embedding float[batch, dim] (outputs are logits float32[batch_size, sequence_length, 16])'],
    });
    expect(corrupt!.ok).toBe(false);
    expect(corrupt!.problems[0]).toMatch(/^model\.onnx: cannot be loaded by ONNX Runtime: /);
  });

  it('serves the cached view until rescan() is asked for', async () => {
    const dir = join(root, 'rescan');
    const registry = new ModelRegistry({ modelsDir: dir });
    expect((await registry.view()).llm).toEqual([]);
    await writeTinyGguf(join(dir, 'llm', 'new.gguf'));
    expect((await registry.view()).llm).toEqual([]);
    expect((await registry.rescan()).llm.map((e) => e.name)).toEqual(['new.gguf']);
    expect((await registry.usableLlm())?.name).toBe('new.gguf');
  });
});
