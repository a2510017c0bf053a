import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Controller, Get, HttpCode, HttpException, HttpStatus, Inject, Param, Put, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Job } from 'bullmq';
import type { Request, Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { RenderQueue } from '../renders/render-queue';
import { WorkerTokenGuard } from '../workers/worker-token.guard';
import { SCENE_FILE_NAME, pathUnder, type PortableSceneJob } from './portable-scene-job';

/** The largest scene file a worker may hand back (a long 4K clip stays well below it). */
export const SCENE_FILE_MAX_BYTES = 2 * 1024 ** 3;
const JOB_ID = /^[A-Za-z0-9-]{1,100}$/;

/**
 * What a render worker on another host reads and writes on the servers, with its worker token:
 * the previous scene's last frame of a chained scene, and the files of the scene it drew. Only
 * for a scene job that is being drawn now (active in the scene queue), and only inside that job's
 * own folder under DATA_DIR, whatever the worker asks for.
 */
@ApiTags('workers')
@ApiBearerAuth()
@Public()
@UseGuards(WorkerTokenGuard)
@Controller('workers/jobs/:jobId')
export class WorkerFilesController {
  constructor(
    private readonly queue: RenderQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Raw RGB24, width × height × 3 bytes. */
  @Get('chain-frame')
  async chainFrame(@Param('jobId') jobId: string, @Res() res: Response): Promise<void> {
    const job = await this.activeJob(jobId);
    if (!job.chainFrom) throw new HttpException('this scene job is not chained', HttpStatus.NOT_FOUND);
    res.sendFile(this.insideData(job.chainFrom), { headers: { 'Content-Type': 'application/octet-stream' } });
  }

  /**
   * The body is the file (application/octet-stream). `X-Content-SHA256` (hex), when sent, must
   * match what arrived, or nothing is kept (400). Written beside its final name and renamed once
   * whole, so a half upload never looks like a clip.
   */
  @Put('files/:name')
  @HttpCode(201)
  async upload(@Param('jobId') jobId: string, @Param('name') name: string, @Req() req: Request): Promise<{ bytes: number; sha256: string }> {
    if (!SCENE_FILE_NAME.test(name)) throw new HttpException('file name must be a scene file name (letters, digits, . _ -; .mp4, .jpg or .rgb)', HttpStatus.BAD_REQUEST);
    const expected = req.headers['x-content-sha256'];
    if (expected !== undefined && (typeof expected !== 'string' || !/^[0-9a-f]{64}$/.test(expected))) {
      throw new HttpException('X-Content-SHA256 must be 64 lowercase hex digits', HttpStatus.BAD_REQUEST);
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > SCENE_FILE_MAX_BYTES) throw new HttpException(`a scene file may have at most ${SCENE_FILE_MAX_BYTES} bytes`, HttpStatus.PAYLOAD_TOO_LARGE);
    const job = await this.activeJob(jobId);
    const dir = this.insideData(job.outDir);
    await mkdir(dir, { recursive: true });
    const part = join(dir, `.${name}.${randomBytes(6).toString('hex')}.part`);
    const hash = createHash('sha256');
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        if (bytes > SCENE_FILE_MAX_BYTES) return done(new HttpException(`a scene file may have at most ${SCENE_FILE_MAX_BYTES} bytes`, HttpStatus.PAYLOAD_TOO_LARGE));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(req, count, createWriteStream(part, { flags: 'wx' }));
    } catch (err) {
      await rm(part, { force: true });
      if (err instanceof HttpException) throw err;
      throw new HttpException(`the upload broke off: ${(err as Error).message}`, HttpStatus.BAD_REQUEST);
    }
    const sha256 = hash.digest('hex');
    if (expected !== undefined && expected !== sha256) {
      await rm(part, { force: true });
      throw new HttpException(`the file arrived damaged: its SHA-256 is ${sha256}, not ${expected}`, HttpStatus.BAD_REQUEST);
    }
    await rename(part, join(dir, name));
    return { bytes, sha256 };
  }

  /** The job's data, when the job exists and a worker is drawing it; 404 / 409 otherwise. */
  private async activeJob(jobId: string): Promise<PortableSceneJob> {
    const queue = this.queue.remote?.queue;
    if (!queue) throw new HttpException('this server has no scene queue (REDIS_URL is not set)', HttpStatus.NOT_FOUND);
    if (!JOB_ID.test(jobId)) throw new HttpException('no such scene job', HttpStatus.NOT_FOUND);
    const job = await Job.fromId<PortableSceneJob>(queue, jobId);
    if (!job) throw new HttpException('no such scene job', HttpStatus.NOT_FOUND);
    const state = await job.getState();
    if (state !== 'active') throw new HttpException(`scene job ${jobId} is ${state}, not being drawn: its files are not taken`, HttpStatus.CONFLICT);
    return job.data;
  }

  /** A path from a job's data, resolved inside DATA_DIR (a job that names anything else is refused). */
  private insideData(path: string): string {
    const full = resolve(this.config.dataDir, path);
    if (!pathUnder(this.config.dataDir, full)) throw new HttpException('the scene job names a path outside the data folder', HttpStatus.BAD_REQUEST);
    return full;
  }
}
