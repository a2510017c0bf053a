import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sha256File } from '@reelcraft/inference';
import type { WorkerHeartbeat, WorkerHeartbeatResponse } from '@reelcraft/shared';

/** The servers refused the worker's token (unknown or revoked): the worker stops. */
export class WorkerTokenRefusedError extends Error {
  override readonly name = 'WorkerTokenRefusedError';
}

/** Tries of one upload or download: a proxy restart or a busy instance must not cost a drawn scene. */
const TRIES = 3;

/** A render worker's HTTP calls to the servers, each with its worker token. */
export class ServerLink {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, ...extra };
  }

  private async check(res: Response, what: string): Promise<Response> {
    if (res.ok) return res;
    const text = (await res.text().catch(() => '')).slice(0, 300);
    if (res.status === 401) throw new WorkerTokenRefusedError(`the studio refused this worker's token (${what}): ${text}`);
    throw Object.assign(new Error(`${what}: HTTP ${res.status} ${text}`), { status: res.status });
  }

  async heartbeat(beat: WorkerHeartbeat): Promise<WorkerHeartbeatResponse> {
    const res = await fetch(`${this.baseUrl}/api/workers/heartbeat`, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify(beat),
      signal: AbortSignal.timeout(10_000),
    });
    return (await (await this.check(res, 'heartbeat')).json()) as WorkerHeartbeatResponse;
  }

  /** A chained scene's start frame, saved to `path`. */
  async downloadChainFrame(jobId: string, path: string, signal: AbortSignal): Promise<void> {
    await retry(signal, async () => {
      const res = await this.check(await fetch(`${this.baseUrl}/api/workers/jobs/${encodeURIComponent(jobId)}/chain-frame`, { headers: this.headers(), signal }), 'chain frame');
      await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(path));
    });
  }

  /** One of a drawn scene's files, checked by its SHA-256 on arrival. */
  async upload(jobId: string, path: string, name: string, signal: AbortSignal, sha256?: string): Promise<void> {
    const digest = sha256 ?? (await sha256File(path));
    const { size } = await stat(path);
    await retry(signal, async () => {
      const res = await fetch(`${this.baseUrl}/api/workers/jobs/${encodeURIComponent(jobId)}/files/${encodeURIComponent(name)}`, {
        method: 'PUT',
        headers: this.headers({ 'content-type': 'application/octet-stream', 'content-length': String(size), 'x-content-sha256': digest }),
        body: Readable.toWeb(createReadStream(path)) as ReadableStream,
        duplex: 'half',
        signal,
      } as RequestInit);
      await this.check(res, `upload of ${name}`);
    });
  }
}

/** Runs `fn` up to TRIES times while the failure is the network's or a 5xx; a 4xx (refused, wrong state) is final. */
async function retry(signal: AbortSignal, fn: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const status = (err as { status?: number }).status;
      const final = err instanceof WorkerTokenRefusedError || (status !== undefined && status < 500) || signal.aborted || attempt >= TRIES;
      if (final) throw err;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}
