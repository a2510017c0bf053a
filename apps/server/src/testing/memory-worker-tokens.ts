import type { WorkerToken } from '../workers/worker-token.entity';
import { WorkerTokenRepository, type WorkerTokenListing } from '../workers/worker-token.repository';

/**
 * WorkerTokenRepository in memory, for unit tests of WorkerTokensService: the same behaviour as
 * the database one (worker-token.repository.spec.ts runs both). `users` stands in for the users
 * table the database one reads the issuers' names from.
 */
export class MemoryWorkerTokenRepository extends WorkerTokenRepository {
  readonly users = new Map<string, string>();
  private readonly tokens = new Map<string, WorkerToken>();

  async insert(token: WorkerToken): Promise<boolean> {
    if (token.created_by !== null && !this.users.has(token.created_by)) throw new Error(`no user ${token.created_by}`);
    const taken = [...this.tokens.values()].some((t) => t.name === token.name && t.revoked_at === null);
    if (taken) return false;
    // As the database's keys would: an error, not an answer (a random 256-bit token never repeats).
    if (this.tokens.has(token.id) || [...this.tokens.values()].some((t) => t.token_hash === token.token_hash)) throw new Error('worker token id or hash stored already');
    this.tokens.set(token.id, copy(token));
    return true;
  }

  async list(): Promise<WorkerTokenListing[]> {
    return [...this.tokens.values()].sort((a, b) => b.created_at.getTime() - a.created_at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((t) => this.listing(t));
  }

  async findById(id: string): Promise<WorkerTokenListing | null> {
    const t = this.tokens.get(id);
    return t ? this.listing(t) : null;
  }

  async findActiveByHash(tokenHash: string): Promise<WorkerToken | null> {
    const t = [...this.tokens.values()].find((x) => x.token_hash === tokenHash && x.revoked_at === null);
    return t ? copy(t) : null;
  }

  async revoke(id: string, at: Date): Promise<WorkerTokenListing | null> {
    const t = this.tokens.get(id);
    if (!t) return null;
    t.revoked_at ??= new Date(at);
    return this.listing(t);
  }

  async touch(id: string, at: Date): Promise<void> {
    const t = this.tokens.get(id);
    if (t) t.last_used_at = new Date(at);
  }

  private listing(t: WorkerToken): WorkerTokenListing {
    return { ...copy(t), created_by_username: t.created_by ? (this.users.get(t.created_by) ?? null) : null };
  }
}

/** Callers get copies, as they would rows from a database: changing one stores nothing. */
const copy = (t: WorkerToken): WorkerToken => ({
  ...t,
  created_at: new Date(t.created_at),
  last_used_at: t.last_used_at && new Date(t.last_used_at),
  revoked_at: t.revoked_at && new Date(t.revoked_at),
});
