import { Injectable } from '@nestjs/common';
import { COLLAB_CLOSE, COLLAB_CLOSE_REASONS, canEditProject, type ProjectRole } from '@reelcraft/shared';
import type { Request } from 'express';
import type { IncomingMessage } from 'node:http';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { readToken } from '../auth/session-cookie';
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
  constructor(private readonly sessions: SessionsService, private readonly projects: ProjectsService) {}

  async authorise(req: IncomingMessage, projectId: string): Promise<CollabAccess> {
    const token = tokenOf(req);
    const user = token ? await this.sessions.resolve(token) : null;
    if (!user) return refuse(COLLAB_CLOSE.UNAUTHENTICATED);
    const role = await this.projects.roleOf(user, projectId);
    if (!role) return refuse(COLLAB_CLOSE.FORBIDDEN);
    return { ok: true, user, role, readOnly: !canEditProject(role) };
  }
}

function tokenOf(req: IncomingMessage): string | null {
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
  if (query) return query;
  // readToken looks at nothing but the headers, which an upgrade request has like any other.
  return readToken({ headers: req.headers } as Request);
}
