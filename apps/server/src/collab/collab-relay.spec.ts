import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeRelayMessage, parseRelayMessage } from './collab-relay';

describe('collab relay messages', () => {
  const id = randomUUID();

  it('carries the kind, the sender and the bytes unchanged', () => {
    const payload = new Uint8Array([0, 255, 7, 0, 13]);
    for (const kind of ['update', 'awareness'] as const) {
      const parsed = parseRelayMessage(encodeRelayMessage(kind, id, payload));
      expect(parsed).not.toBeNull();
      expect(parsed!.kind).toBe(kind);
      expect(parsed!.from).toBe(id);
      expect([...parsed!.payload]).toEqual([...payload]);
    }
  });

  it('carries a resync with nothing after the sender, and only a resync may be empty', () => {
    const parsed = parseRelayMessage(encodeRelayMessage('resync', id));
    expect(parsed).toMatchObject({ kind: 'resync', from: id });
    expect(parsed!.payload.byteLength).toBe(0);
    expect(parseRelayMessage(encodeRelayMessage('update', id))).toBeNull();
    expect(parseRelayMessage(encodeRelayMessage('awareness', id))).toBeNull();
  });

  it('refuses what is not a message: unknown kind, bad sender, nothing to apply', () => {
    const good = encodeRelayMessage('update', id, new Uint8Array([1, 2]));
    const unknownKind = Buffer.from(good);
    unknownKind[0] = 9;
    expect(parseRelayMessage(unknownKind)).toBeNull();
    const badSender = Buffer.from(good);
    badSender.write('x', 1, 'ascii');
    expect(parseRelayMessage(badSender)).toBeNull();
    expect(parseRelayMessage(good.subarray(0, 37))).toBeNull();
    expect(parseRelayMessage(Buffer.from('{"json":true}'))).toBeNull();
    expect(parseRelayMessage(Buffer.alloc(0))).toBeNull();
  });

  it('will not send under an id that is not a UUID', () => {
    expect(() => encodeRelayMessage('update', 'instance-a', new Uint8Array([1]))).toThrow(/UUID/);
  });
});
