import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull } from 'typeorm';
import { User } from '../users/user.entity';
import { WorkerToken } from './worker-token.entity';

/** A token with the username of the admin who issued it (null when unknown or gone). */
export type WorkerTokenListing = WorkerToken & { created_by_username: string | null };

/**
 * Where worker tokens live. Abstract so Nest injects it by type; WorkerTokensService's unit tests
 * run on the in-memory one (testing/memory-worker-tokens.ts), and worker-token.repository.spec.ts
 * holds both to one contract on SQLite and PostgreSQL.
 */
export abstract class WorkerTokenRepository {
  /** Stores a new token; false (nothing stored) when a token not revoked has its name already. */
  abstract insert(token: WorkerToken): Promise<boolean>;
  /** Every token, revoked ones too, newest first. */
  abstract list(): Promise<WorkerTokenListing[]>;
  abstract findById(id: string): Promise<WorkerTokenListing | null>;
  /** The token of that hash unless it is revoked. */
  abstract findActiveByHash(tokenHash: string): Promise<WorkerToken | null>;
  /** Marks it revoked at `at` unless it was already (then its first revocation stands); the token as stored after, or null when there is none. */
  abstract revoke(id: string, at: Date): Promise<WorkerTokenListing | null>;
  abstract touch(id: string, at: Date): Promise<void>;
}

@Injectable()
export class TypeOrmWorkerTokenRepository extends WorkerTokenRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {
    super();
  }

  private get tokens() {
    return this.db.getRepository(WorkerToken);
  }

  async insert(token: WorkerToken): Promise<boolean> {
    if (await this.nameTaken(token.name)) return false;
    try {
      // A copy: TypeORM writes what it reads back into the object it inserts.
      await this.tokens.insert({ ...token });
      return true;
    } catch (err) {
      // Another server process stored that name between the check and the insert: the partial
      // unique index refused it, which is the same answer. Anything else is a real failure.
      if (await this.nameTaken(token.name)) return false;
      throw err;
    }
  }

  async list(): Promise<WorkerTokenListing[]> {
    return this.withUsernames(await this.tokens.find({ order: { created_at: 'DESC', id: 'ASC' } }));
  }

  async findById(id: string): Promise<WorkerTokenListing | null> {
    const token = await this.tokens.findOne({ where: { id } });
    return token ? (await this.withUsernames([token]))[0]! : null;
  }

  findActiveByHash(tokenHash: string): Promise<WorkerToken | null> {
    return this.tokens.findOne({ where: { token_hash: tokenHash, revoked_at: IsNull() } });
  }

  async revoke(id: string, at: Date): Promise<WorkerTokenListing | null> {
    await this.tokens.update({ id, revoked_at: IsNull() }, { revoked_at: at });
    return this.findById(id);
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.tokens.update({ id }, { last_used_at: at });
  }

  private nameTaken(name: string): Promise<boolean> {
    return this.tokens.exists({ where: { name, revoked_at: IsNull() } });
  }

  /** The issuers' usernames, in one query for the lot (tokens are few; admins fewer). */
  private async withUsernames(tokens: WorkerToken[]): Promise<WorkerTokenListing[]> {
    const ids = [...new Set(tokens.map((t) => t.created_by).filter((id): id is string => id !== null))];
    const users = ids.length ? await this.db.getRepository(User).find({ where: { id: In(ids) }, select: { id: true, username: true } }) : [];
    const names = new Map(users.map((u) => [u.id, u.username]));
    return tokens.map((t) => ({ ...t, created_by_username: t.created_by ? (names.get(t.created_by) ?? null) : null }));
  }
}
