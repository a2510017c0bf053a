import type { Role } from '@reelcraft/shared';

export interface AuthenticatedUser {
  id: string;
  username: string;
  role: Role;
  sessionId: string;
}
