import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@reelcraft/shared';

export type StudioSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * A Socket.IO connection to the studio's own server (/socket.io) on this session: the bearer
 * token in the handshake when there is one, the session cookie otherwise. Typed by the event map
 * in libs/shared.
 */
export function openSocket(token: string | null): StudioSocket {
  return io({
    path: '/socket.io',
    auth: token ? { token } : {},
    transports: ['websocket', 'polling'],
    withCredentials: true,
  });
}
