import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { AuditEntryView, AuditKind, AuditQuery, Page } from '@reelcraft/shared';
import { randomUUID } from 'node:crypto';
import { Between, LessThanOrEqual, MoreThanOrEqual, Repository, type FindOptionsWhere } from 'typeorm';
import { AuditEntry } from './audit-entry.entity';

/** Who did it, as the audit log names them; null for the server itself. */
export interface Actor {
  id: string;
  username: string;
}

export interface AuditRecord {
  kind: AuditKind;
  action: string;
  actor: Actor | null;
  target?: string | null;
  detail?: Record<string, unknown>;
}

/** Appends to the audit log and reads it back, newest first. Nothing here changes or deletes an entry. */
@Injectable()
export class AuditLog {
  constructor(@InjectRepository(AuditEntry) private readonly entries: Repository<AuditEntry>) {}

  async record(r: AuditRecord): Promise<void> {
    const entry: AuditEntry = {
      id: randomUUID(),
      at: new Date(),
      kind: r.kind,
      action: r.action.slice(0, 40),
      user_id: r.actor?.id ?? null,
      username: r.actor?.username ?? null,
      target: r.target?.slice(0, 64) ?? null,
      detail: r.detail ?? {},
    };
    await this.entries.insert(entry as never);
  }

  async list(q: AuditQuery): Promise<Page<AuditEntryView>> {
    const where: FindOptionsWhere<AuditEntry> = {};
    if (q.username) where.username = q.username;
    if (q.kind) where.kind = q.kind;
    const from = q.from ? new Date(q.from) : null;
    const to = q.to ? new Date(q.to) : null;
    if (from && to) where.at = Between(from, to);
    else if (from) where.at = MoreThanOrEqual(from);
    else if (to) where.at = LessThanOrEqual(to);
    const [rows, total] = await this.entries.findAndCount({ where, order: { at: 'DESC', id: 'DESC' }, skip: (q.page - 1) * q.page_size, take: q.page_size });
    return { items: rows.map(toView), total, page: q.page, page_size: q.page_size };
  }
}

const toView = (e: AuditEntry): AuditEntryView => ({
  id: e.id,
  at: e.at.toISOString(),
  kind: e.kind,
  action: e.action,
  user_id: e.user_id,
  username: e.username,
  target: e.target,
  detail: e.detail,
});
