/**
 * The messages instances exchange about one document on `<prefix>collab:<projectId>` (scaled
 * mode): one byte for the kind, the sender's instance id (36 ASCII characters, a UUID), then the
 * Yjs update or awareness update as it is. Binary, so a keystroke costs no base64 or JSON.
 *
 * `resync` carries nothing: its sender was cut off from Redis, so what it stored meanwhile is
 * only in the database and it missed everyone's presence; a receiver reads the stored rows again
 * and re-announces its own peers' presence.
 */
export type RelayKind = 'update' | 'awareness' | 'resync';

const KIND_BYTE: Record<RelayKind, number> = { update: 1, awareness: 2, resync: 3 };
const KIND_OF = new Map<number, RelayKind>(Object.entries(KIND_BYTE).map(([kind, byte]) => [byte, kind as RelayKind]));
const INSTANCE_ID_LENGTH = 36;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const collabChannel = (projectId: string): string => `collab:${projectId}`;

export function encodeRelayMessage(kind: RelayKind, instanceId: string, payload: Uint8Array = new Uint8Array()): Buffer {
  if (!UUID.test(instanceId)) throw new Error(`an instance id must be a UUID, not ${JSON.stringify(instanceId)}`);
  const message = Buffer.allocUnsafe(1 + INSTANCE_ID_LENGTH + payload.byteLength);
  message[0] = KIND_BYTE[kind];
  message.write(instanceId, 1, 'ascii');
  message.set(payload, 1 + INSTANCE_ID_LENGTH);
  return message;
}

/** The message another instance published, or null when the bytes are not one (never trusted blindly). */
export function parseRelayMessage(message: Buffer): { kind: RelayKind; from: string; payload: Uint8Array } | null {
  const kind = KIND_OF.get(message[0]);
  if (!kind) return null;
  // An update or a presence change without bytes has nothing to apply; a resync has nothing else.
  if (message.byteLength < 1 + INSTANCE_ID_LENGTH + (kind === 'resync' ? 0 : 1)) return null;
  const from = message.toString('ascii', 1, 1 + INSTANCE_ID_LENGTH);
  if (!UUID.test(from)) return null;
  return { kind, from, payload: new Uint8Array(message.buffer, message.byteOffset + 1 + INSTANCE_ID_LENGTH, message.byteLength - 1 - INSTANCE_ID_LENGTH) };
}
