import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';

/** y-websocket's outer message types (the stock client's numbering). */
const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_QUERY_AWARENESS = 3;

export type ClientMessage =
  | { kind: 'sync-step1'; stateVector: Uint8Array }
  /** Sync step 2 and incremental updates carry the same payload and are treated alike. */
  | { kind: 'update'; update: Uint8Array }
  | { kind: 'awareness'; update: Uint8Array }
  | { kind: 'query-awareness' };

export class MalformedMessage extends Error {}

/**
 * Decodes one frame completely before anything acts on it: a bad varint, an unknown type, a
 * truncated payload or trailing bytes all throw MalformedMessage. Update payloads are only
 * framed here; whether Yjs accepts them is checked by the document (see hosted-doc.ts).
 */
export function parseClientMessage(frame: Uint8Array): ClientMessage {
  let message: ClientMessage;
  const decoder = decoding.createDecoder(frame);
  try {
    const type = decoding.readVarUint(decoder);
    if (type === MESSAGE_SYNC) {
      const sub = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      if (sub === syncProtocol.messageYjsSyncStep1) {
        // Throws on garbage, which the answer to it would otherwise hit later.
        Y.decodeStateVector(payload);
        message = { kind: 'sync-step1', stateVector: payload };
      } else if (sub === syncProtocol.messageYjsSyncStep2 || sub === syncProtocol.messageYjsUpdate) {
        message = { kind: 'update', update: payload };
      } else {
        throw new MalformedMessage(`unknown sync message type ${sub}`);
      }
    } else if (type === MESSAGE_AWARENESS) {
      message = { kind: 'awareness', update: decoding.readVarUint8Array(decoder) };
    } else if (type === MESSAGE_QUERY_AWARENESS) {
      message = { kind: 'query-awareness' };
    } else {
      throw new MalformedMessage(`unknown message type ${type}`);
    }
  } catch (err) {
    if (err instanceof MalformedMessage) throw err;
    throw new MalformedMessage(`undecodable frame: ${(err as Error).message}`);
  }
  if (decoding.hasContent(decoder)) throw new MalformedMessage('trailing bytes after the message');
  return message;
}

const build = (write: (e: encoding.Encoder) => void): Uint8Array => {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
};

export const encodeSyncStep1 = (doc: Y.Doc) =>
  build((e) => {
    encoding.writeVarUint(e, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(e, doc);
  });

export const encodeSyncStep2 = (doc: Y.Doc, stateVector: Uint8Array) =>
  build((e) => {
    encoding.writeVarUint(e, MESSAGE_SYNC);
    syncProtocol.writeSyncStep2(e, doc, stateVector);
  });

export const encodeUpdate = (update: Uint8Array) =>
  build((e) => {
    encoding.writeVarUint(e, MESSAGE_SYNC);
    syncProtocol.writeUpdate(e, update);
  });

export const encodeAwareness = (update: Uint8Array) =>
  build((e) => {
    encoding.writeVarUint(e, MESSAGE_AWARENESS);
    encoding.writeVarUint8Array(e, update);
  });

/** An update that adds no struct and deletes nothing (a fresh client's sync step 2): nothing to store. */
export function isEmptyUpdate(update: Uint8Array): boolean {
  const { structs, ds } = Y.decodeUpdate(update);
  return structs.length === 0 && ds.clients.size === 0;
}
