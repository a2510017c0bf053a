import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { inspectDiffusionInChildProcess, inspectEmbeddingsInChildProcess, inspectGgufInChildProcess, ModelRegistry, RENDER_WORKER_PATH } from '@reelcraft/inference';
import type { WorkerHeartbeat } from '@reelcraft/shared';
import { RenderWorkerPool } from '../renders/worker-pool';
import { SceneConsumer } from './scene-consumer';
import { ServerLink, WorkerTokenRefusedError } from './server-link';
import { sharedPlacement } from './shared-placement';
import { uploadPlacement } from './upload-placement';
import type { WorkerOptions } from './worker-options';
import { modelSummary } from './worker-report';

/**
 * `reelcraft-worker`: a render worker host's process. It says who it is to the servers (a
 * heartbeat with its token: device, models, the scene it draws), takes scene jobs from the scene
 * queue in Redis and draws them on its own render processes, pinned to its device, with the
 * models of its own models/ folder (the ONNX variant that device runs best: fp16 on a GPU). The
 * servers list it in the admin console; a revoked token stops it at its next heartbeat.
 */
export class RemoteWorker {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly link: ServerLink;
  private readonly pool: RenderWorkerPool;
  private consumer: SceneConsumer | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeatMs = 5000;
  private summary: Pick<WorkerHeartbeat, 'models' | 'precision'> = { models: [] };
  private stopping: Promise<void> | undefined;
  /** Set when the worker stopped on its own (its token was refused): why. */
  onFatal: (err: Error) => void = () => undefined;

  constructor(
    private readonly options: WorkerOptions,
    private readonly log: (message: string) => void = (m) => console.log(m),
  ) {
    this.link = new ServerLink(options.serverUrl, options.token);
    this.pool = new RenderWorkerPool({
      entryPath: RENDER_WORKER_PATH,
      size: () => options.slots,
      memoryLimitMb: () => options.memoryLimitMb,
      // One worker per GPU: its render processes see that GPU only (CUDA numbers what is visible from 0).
      ...(options.gpuIndex !== undefined ? { env: { ...process.env, CUDA_VISIBLE_DEVICES: String(options.gpuIndex) } } : {}),
    });
    this.pool.on('worker-exit', ({ pid, exit }) => {
      if (exit.cause !== 'stopped') this.log(`render process ${pid} ended: ${exit.reason}`);
    });
  }

  /** Checks the token and the models, then starts taking scene jobs. Rejects when the servers refuse the token. */
  async start(): Promise<void> {
    const registry = new ModelRegistry({ modelsDir: this.options.modelsDir, inspectDiffusion: inspectDiffusionInChildProcess(), inspectEmbeddings: inspectEmbeddingsInChildProcess(), inspectLlm: inspectGgufInChildProcess() });
    this.summary = await modelSummary(await registry.view(), this.options.modelsDir, this.options.device);
    // The first heartbeat proves the token before any job is taken.
    await this.heartbeat();
    this.consumer = new SceneConsumer({
      redis: this.options.redis,
      pool: this.pool,
      slots: this.options.slots,
      placement: this.options.dataDir ? sharedPlacement(this.options.dataDir) : uploadPlacement(this.options.workDir, this.link),
      modelsDir: this.options.modelsDir,
      device: this.options.device,
      threads: this.options.threads,
      lockMs: this.options.lockMs,
      log: this.log,
    });
    this.consumer.on('job-start', (j) => {
      this.log(`drawing scene ${j.scene_number} of task ${j.task_id} (job ${j.job_id})`);
      void this.heartbeat().catch(() => undefined);
    });
    this.consumer.on('job-end', (j) => this.log(`job ${j.job_id}: ${j.outcome}`));
    await this.consumer.ready();
    await this.heartbeat();
    this.scheduleHeartbeat();
    this.log(`reelcraft-worker ${this.id} on ${this.options.deviceLabel} (${this.options.slots} slot(s), models: ${this.summary.models.join(', ') || 'none: animatics'}${this.summary.precision ? `, ${this.summary.precision}` : ''}) takes scenes from ${this.options.serverUrl}`);
  }

  private scheduleHeartbeat(): void {
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeat()
        .catch((err: Error) => {
          if (err instanceof WorkerTokenRefusedError) {
            this.log(`${err.message}; stopping`);
            void this.stop().then(() => this.onFatal(err));
            return;
          }
          // The servers are away for a moment: the jobs in hand go on, the next beat tries again.
          this.log(`heartbeat failed: ${err.message}`);
        })
        .finally(() => {
          if (!this.stopping) this.scheduleHeartbeat();
        });
    }, this.heartbeatMs);
  }

  private async heartbeat(): Promise<void> {
    const job = this.consumer?.jobs[0] ?? null;
    const answer = await this.link.heartbeat({
      worker_id: this.id,
      host: hostname(),
      pid: process.pid,
      device: this.options.deviceLabel,
      slots: this.options.slots,
      ...this.summary,
      job,
    });
    if (Number.isInteger(answer.heartbeat_ms) && answer.heartbeat_ms >= 100) this.heartbeatMs = answer.heartbeat_ms;
  }

  /** Stops taking jobs; scenes in hand go back to the queue for another worker. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearTimeout(this.heartbeatTimer);
      await this.consumer?.close();
      await this.pool.close();
    })();
    return this.stopping;
  }
}
