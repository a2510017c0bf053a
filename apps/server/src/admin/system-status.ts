import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { SystemStatusView } from '@reelcraft/shared';
import { readdir, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource, In } from 'typeorm';
import type { AppConfig } from '../config/config';
import type { ModelsService } from '../models/models.service';
import { Task } from '../renders/task.entity';

/** The version of the studio, from the root package.json the build sits in. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = (require('../../package.json') as { version: string }).version;

/** What an admin checks first when something is slow or full. */
@Injectable()
export class SystemStatus {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async now(config: AppConfig, models: ModelsService): Promise<SystemStatusView> {
    const [disk, used, counts, view] = await Promise.all([statfs(config.dataDir), bytesUnder(config.dataDir), this.queue(), models.view()]);
    const all = [...view.llm, ...view.diffusion, ...view.embeddings];
    return {
      database: config.database.type,
      data_dir: { used_bytes: used, free_bytes: disk.bavail * disk.bsize, total_bytes: disk.blocks * disk.bsize },
      queue: counts,
      models: {
        llm: view.llm.filter((m) => m.ok).length,
        diffusion: view.diffusion.filter((m) => m.ok).length,
        embeddings: view.embeddings.filter((m) => m.ok).length,
        broken: all.filter((m) => !m.ok).length,
      },
      version: VERSION,
      uptime_s: Math.round(process.uptime()),
      node: process.version,
    };
  }

  private async queue(): Promise<SystemStatusView['queue']> {
    const rows: { status: string; n: string | number }[] = await this.db
      .getRepository(Task)
      .createQueryBuilder('t')
      .select('t.status', 'status')
      .addSelect('COUNT(*)', 'n')
      .where({ status: In(['pending', 'held', 'running']) })
      .groupBy('t.status')
      .getRawMany();
    const count = (s: string) => Number(rows.find((r) => r.status === s)?.n ?? 0);
    return { pending: count('pending'), held: count('held'), running: count('running') };
  }
}

/** Bytes of every file under a folder (links not followed); a file that vanishes meanwhile counts 0. */
async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) total += await bytesUnder(path);
    else if (e.isFile()) total += (await stat(path).catch(() => ({ size: 0 }))).size;
  }
  return total;
}
