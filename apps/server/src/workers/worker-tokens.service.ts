import { Injectable } from '@nestjs/common';
import { WORKER_TOKEN_PATTERN, WORKER_TOKEN_PREFIX, type IssuedWorkerToken, type WorkerTokenView } from '@reelcraft/shared';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AuditLog, type Actor } from '../moderation/audit-log';
import type { WorkerToken } from './worker-token.entity';
import { WorkerTokenRepository, type WorkerTokenListing } from './worker-token.repository';
import { apiError } from '../common/api-error';

/** Who a verified worker token belongs to (set on the request by WorkerTokenGuard). */
export interface WorkerTokenIdentity {
  id: string;
  name: string;
}

/**
 * last_used_at is written at most this often per token: a worker verifies on every heartbeat and
 * upload, and the console only needs to know roughly when a token was last used.
 */
export const TOKEN_TOUCH_MS = 60_000;

/**
 * The tokens render workers on other hosts authenticate with. Issued by an admin and shown once;
 * only a SHA-256 is stored, so a leaked database does not hand out working tokens. Revoking one
 * takes effect on the very next request on every server process (each verify reads the database).
 */
@Injectable()
export class WorkerTokensService {
  constructor(
    private readonly tokens: WorkerTokenRepository,
    private readonly audit: AuditLog,
  ) {}

  async issue(name: string, actor: Actor): Promise<IssuedWorkerToken> {
    const plaintext = WORKER_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const token: WorkerToken = { id: randomUUID(), name, token_hash: hashToken(plaintext), created_by: actor.id, created_at: new Date(), last_used_at: null, revoked_at: null };
    if (!(await this.tokens.insert(token))) throw apiError(409, 'worker_token_exists', `a worker token named "${name}" exists already; revoke it or choose another name`);
    await this.audit.record({ kind: 'admin_action', action: 'worker_token.issue', actor, target: token.id, detail: { name } });
    return { ...toView({ ...token, created_by_username: actor.username }), token: plaintext };
  }

  async list(): Promise<WorkerTokenView[]> {
    return (await this.tokens.list()).map(toView);
  }

  /** Revokes it; revoking it again changes nothing (and is not audited twice). */
  async revoke(id: string, actor: Actor): Promise<WorkerTokenView> {
    const before = await this.tokens.findById(id);
    if (!before) throw apiError(404, 'worker_token_not_found', `no worker token ${id}`);
    if (before.revoked_at) return toView(before);
    const after = await this.tokens.revoke(id, new Date());
    await this.audit.record({ kind: 'admin_action', action: 'worker_token.revoke', actor, target: id, detail: { name: before.name } });
    return toView(after ?? before);
  }

  /** The token's id and name, or null when it is malformed, unknown or revoked. */
  async verify(plaintext: string): Promise<WorkerTokenIdentity | null> {
    // Anything not shaped like a token is refused without a query.
    if (!WORKER_TOKEN_PATTERN.test(plaintext)) return null;
    const token = await this.tokens.findActiveByHash(hashToken(plaintext));
    if (!token) return null;
    const now = new Date();
    if (!token.last_used_at || now.getTime() - token.last_used_at.getTime() >= TOKEN_TOUCH_MS) await this.tokens.touch(token.id, now);
    return { id: token.id, name: token.name };
  }
}

/** SHA-256 in lower-case hex: what the worker_tokens table keeps. Plain hashing suffices: the token is 256 random bits, not a password. */
export function hashToken(plaintext: string): string {
  return createHash('sha256').update(plaintext, 'utf8').digest('hex');
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

const toView = (t: WorkerTokenListing): WorkerTokenView => ({
  id: t.id,
  name: t.name,
  created_at: t.created_at.toISOString(),
  created_by_username: t.created_by_username,
  last_used_at: iso(t.last_used_at),
  revoked_at: iso(t.revoked_at),
});
