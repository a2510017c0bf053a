import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { FilterStage, Page, ReviewItemView, ReviewKind } from '@reelcraft/shared';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { AuditLog, type Actor } from './audit-log';
import type { Screening } from './content-screening';
import { ReviewItem } from './review-item.entity';
import { apiError } from '../common/api-error';

/** What happens to the held thing when an admin decides: the tasks and projects modules register one each. */
export type ReviewDecisionHandler = (item: ReviewItem, approved: boolean) => Promise<void>;

/**
 * Text a `review` rule held. A task's prompt waits in status `held` until an admin approves (it is
 * queued) or rejects it (it fails with the reason); a project made from a held prompt waits to be
 * planned. Other held text (a name, a comment) was stored and is listed here for the admin to see.
 */
@Injectable()
export class ReviewQueue {
  private readonly handlers = new Map<ReviewKind, ReviewDecisionHandler>();

  constructor(
    @InjectRepository(ReviewItem) private readonly items: Repository<ReviewItem>,
    private readonly audit: AuditLog,
  ) {}

  onDecision(kind: ReviewKind, handler: ReviewDecisionHandler): void {
    this.handlers.set(kind, handler);
  }

  async hold(kind: ReviewKind, targetId: string, text: string, screening: Screening, stage: FilterStage, actor: Actor): Promise<ReviewItem> {
    const item = this.items.create({
      id: randomUUID(),
      kind,
      target_id: targetId,
      text,
      matches: screening.matches,
      stage,
      user_id: actor.id,
      username: actor.username,
      status: 'pending',
      decided_by: null,
      note: null,
      created_at: new Date(),
      decided_at: null,
    });
    await this.items.insert(item);
    return item;
  }

  async list(status: ReviewItem['status'] | undefined, page: number, pageSize: number): Promise<Page<ReviewItemView>> {
    const [rows, total] = await this.items.findAndCount({
      where: status ? { status } : {},
      order: { created_at: status === 'pending' ? 'ASC' : 'DESC', id: 'ASC' },
      skip: (page - 1) * pageSize,
      take: pageSize,
    });
    return { items: rows.map(toView), total, page, page_size: pageSize };
  }

  async decide(id: string, approved: boolean, admin: Actor, note?: string): Promise<ReviewItemView> {
    const item = await this.items.findOne({ where: { id } });
    if (!item) throw apiError(404, 'review_not_found', `no review item ${id}`);
    // A conditional update: two admins deciding at once cannot both win.
    const decided = await this.items.update({ id, status: 'pending' }, { status: approved ? 'approved' : 'rejected', decided_by: admin.username, note: note ?? null, decided_at: new Date() });
    if (!decided.affected) throw apiError(409, 'review_decided', `this item was already ${item.status}`);
    const now = (await this.items.findOne({ where: { id } }))!;
    await this.handlers.get(item.kind)?.(now, approved);
    await this.audit.record({ kind: 'admin_action', action: approved ? 'review.approve' : 'review.reject', actor: admin, target: item.target_id, detail: { review_id: id, kind: item.kind, note: note ?? null } });
    return toView(now);
  }
}

const toView = (r: ReviewItem): ReviewItemView => ({
  id: r.id,
  kind: r.kind,
  target_id: r.target_id,
  text: r.text,
  matches: r.matches,
  stage: r.stage,
  username: r.username,
  status: r.status,
  decided_by: r.decided_by,
  created_at: r.created_at.toISOString(),
  decided_at: r.decided_at?.toISOString() ?? null,
});
