import { Injectable } from '@nestjs/common';
import { COLLAB_CLOSE, COLLAB_CLOSE_REASONS, canEditProject, type ProjectRole } from '@reelcraft/shared';
import type { IncomingMessage } from 'node:http';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { OriginPolicy } from '../auth/same-origin';
import { readCredential, type Credential } from '../auth/session-cookie';
import { SessionsService } from '../auth/sessions.service';
import { ProjectsService } from '../projects/projects.service';

export type CollabAccess =
  | { ok: true; user: AuthenticatedUser; role: ProjectRole; readOnly: boolean }
  | { ok: false; code: number; reason: string };

const refuse = (code: keyof typeof COLLAB_CLOSE_REASONS): CollabAccess => ({ ok: false, code, reason: COLLAB_CLOSE_REASONS[code] });

/**
 * Who may open /collab/<projectId>: the REST session, read from `?token=` (a browser cannot set
 * headers on a WebSocket, and the studio holds its token in memory), else the Bearer header or
 * the session cookie; then the caller's role in the project. Checked once, at the upgrade.
 */
@Injectable()
export class CollabAuth {
  constructor(
    private readonly sessions: SessionsService,
    private readonly projects: ProjectsService,
    private readonly origins: OriginPolicy,
  ) {}

  async authorise(req: IncomingMessage, projectId: string): Promise<CollabAccess> {
    const credential = credentialOf(req);
    const user = credential ? await this.sessions.resolve(credential.token) : null;
    if (!user) return refuse(COLLAB_CLOSE.UNAUTHENTICATED);
    // The cookie alone would let a page on another origin read and edit the storyboard.
    if (credential!.via === 'cookie' && this.origins.refusal(req.headers)) return refuse(COLLAB_CLOSE.FORBIDDEN);
    return this.accessOf(user, projectId);
  }

  /** What this user may do in the project now; used again when their session or role changes. */
  async accessOf(user: AuthenticatedUser, projectId: string): Promise<CollabAccess> {
    const role = await this.projects.roleOf(user, projectId);
    if (!role) return refuse(COLLAB_CLOSE.FORBIDDEN);
    return { ok: true, user, role, readOnly: !canEditProject(role) };
  }
}

function credentialOf(req: IncomingMessage): Credential | null {
  let query: string | null = null;
  try {
    query = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
  } catch {
    // An unparsable URL carries no token.
  }
  return query ? { token: query, via: 'query' } : readCredential(req.headers);
}
