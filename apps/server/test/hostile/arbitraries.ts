import fc from 'fast-check';

/**
 * Generators of hostile values for the hostile-input suite: JSON that is valid but of the wrong
 * shape, JSON text no serializer writes (1e309, -0, duplicate and prototype keys, deep nesting),
 * byte strings that are not UTF-8, and strings that carry NUL, lone surrogates, control
 * characters or a hundred kilobytes. None of them contains the markers the leak check looks
 * for (stack frames, source paths), so an echo of an input can never pass for a leak.
 */

/** A JSON number, or another token, written into the JSON text exactly as given. */
export class Raw {
  constructor(readonly text: string) {}
}
/** A JSON object as a list of entries: keys may repeat and may be `__proto__`. */
export class Obj {
  constructor(readonly entries: [string, Json][]) {}
}
export type Json = null | boolean | string | Raw | Obj | Json[];

export function toJsonText(value: Json): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Raw) return value.text;
  if (value instanceof Obj) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`).join(',')}}`;
  return `[${value.map(toJsonText).join(',')}]`;
}

/** Turns a plain JS value (a route's valid body) into the JSON tree. */
export function fromPlain(value: unknown): Json {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value as Json;
  if (typeof value === 'number') return new Raw(JSON.stringify(value));
  if (Array.isArray(value)) return value.map(fromPlain);
  return new Obj(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, fromPlain(v)]));
}

export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'then'] as const;

export const specialStrings = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\ud83d',
  '\uFEFF',
  '\u202e\u202d',
  '\u0007\u001b[2J',
  '\r\nX-Injected: 1',
  '../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%00',
  '%E0%A4%A',
  '${7*7}',
  '{{7*7}}',
  "' OR 1=1 --",
  '"; DROP TABLE users; --',
  '<script>alert(1)</script>',
  'NaN',
  '1e309',
  '-0',
  'Infinity',
  'null',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'current',
  'owner',
  'admin',
  'csv',
  'lines',
  ' 1 ',
  '0x1F',
  '١٢٣',
  '9'.repeat(400),
  '名'.repeat(300),
  '\u0301'.repeat(500),
);

/** A string any client could send inside JSON: random, special, long, or with a NUL inside. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: specialStrings },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })).map(([a, b]) => `${a}\u0000${b}`) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 80_000 }).map((n) => 'é'.repeat(n)) },
);

/** Number tokens as they stand in JSON text: overflow, underflow, negative zero, huge integers. */
export const numberToken: fc.Arbitrary<Raw> = fc
  .oneof(
    fc.constantFrom('1e309', '-1e309', '-0', '0', '1e-400', '1.5', '-1', '2147483648', '9007199254740993', '123456789012345678901234567890', '1E2', '0.0000001', '100001', '201', '-101'),
    fc.integer().map(String),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  )
  .map((t) => new Raw(t));

/** Tokens that make the text invalid JSON. */
const brokenToken = fc.constantFrom('NaN', 'Infinity', 'undefined', "'x'", '01', '+1', '.5', '0x10', '"\\x"', '"\\ud800"', '"tab\there"').map((t) => new Raw(t));

const leaf: fc.Arbitrary<Json> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 4, arbitrary: hostileString },
  { weight: 3, arbitrary: numberToken },
);

export const jsonKey = (known: readonly string[] = []): fc.Arbitrary<string> =>
  fc.oneof(fc.constantFrom(...PROTO_KEYS), fc.string({ maxLength: 12 }), ...(known.length ? [fc.constantFrom(...known)] : []));

/** Any JSON value, nested a few levels, with hostile leaves and keys. */
export const hostileJson = (known: readonly string[] = []): fc.Arbitrary<Json> =>
  fc.letrec<{ value: Json }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth: 4 },
      { weight: 5, arbitrary: leaf },
      { weight: 2, arbitrary: fc.array(tie('value'), { maxLength: 5 }) },
      { weight: 2, arbitrary: fc.array(fc.tuple(jsonKey(known), tie('value')), { maxLength: 5 }).map((e) => new Obj(e)) },
    ),
  })).value;

/** JSON text nested thousands of levels deep, as the value of `key`. */
export const deepNesting = (key: string): fc.Arbitrary<string> =>
  fc.tuple(fc.integer({ min: 500, max: 40_000 }), fc.boolean()).map(([depth, arrays]) => {
    const inner = arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"k":'.repeat(depth) + '1' + '}'.repeat(depth);
    return `{${JSON.stringify(key)}:${inner}}`;
  });

/** A body as sent: JSON text, or bytes that are not UTF-8. */
export type Body = string | Buffer;

/**
 * Bodies for a route whose valid body is `base`: a wrong value for one of its fields, an extra
 * (prototype) key, a missing field, a duplicate key, the whole body replaced by any JSON value,
 * deep nesting, invalid UTF-8 inside a string, or text that is not JSON at all.
 */
export function hostileBody(base: Record<string, unknown>): fc.Arbitrary<Body> {
  const keys = Object.keys(base);
  const known = keys.length ? keys : ['name'];
  const entries = (): [string, Json][] => Object.entries(base).map(([k, v]) => [k, fromPlain(v)]);
  const value = hostileJson(known);
  const field = fc.constantFrom(...known);
  return fc.oneof(
    // One field of the valid body gets a wrong value.
    { weight: 6, arbitrary: fc.tuple(field, value).map(([k, v]) => toJsonText(new Obj([...entries().filter(([e]) => e !== k), [k, v]]))) },
    { weight: 3, arbitrary: fc.tuple(field, hostileString).map(([k, v]) => toJsonText(new Obj([...entries().filter(([e]) => e !== k), [k, v]]))) },
    { weight: 2, arbitrary: fc.tuple(field, numberToken).map(([k, v]) => toJsonText(new Obj([...entries().filter(([e]) => e !== k), [k, v]]))) },
    // An extra key, often one that names a prototype.
    { weight: 3, arbitrary: fc.tuple(jsonKey(), value).map(([k, v]) => toJsonText(new Obj([...entries(), [k, v]]))) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...PROTO_KEYS).map((k) => toJsonText(new Obj([...entries(), [k, new Obj([['polluted', true], ['role', 'admin']])]]))),
    },
    // A field missing, or given twice.
    { weight: 1, arbitrary: field.map((k) => toJsonText(new Obj(entries().filter(([e]) => e !== k)))) },
    { weight: 1, arbitrary: fc.tuple(field, value).map(([k, v]) => toJsonText(new Obj([...entries(), [k, v]]))) },
    // Anything else at all.
    { weight: 3, arbitrary: value.map(toJsonText) },
    { weight: 1, arbitrary: field.chain(deepNesting) },
    { weight: 1, arbitrary: brokenToken.map((t) => toJsonText(new Obj([...entries(), ['x', t]]))) },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
    // Bytes that are not UTF-8 inside a string value.
    {
      weight: 2,
      arbitrary: fc.tuple(field, fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([k, bytes]) =>
        Buffer.concat([Buffer.from(`{${JSON.stringify(k)}:"`), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from(Array.from(bytes).filter((b) => b !== 0x22 && b !== 0x5c)), Buffer.from('"}')]),
      ),
    },
  );
}

/** Content types a client might (wrongly) send with a JSON body. */
export const jsonContentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'application/json; charset=utf-32',
      'application/json; charset=bogus',
      'application/json;;;',
      'application/vnd.api+json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      '*/*',
      '',
    ),
  },
);

/** Percent-encodes what encodeURIComponent can (a lone surrogate, which it refuses, is dropped). */
export function encodeLoosely(s: string): string {
  return encodeURIComponent(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, ''));
}

/** A query string as it stands in the URL: known and unknown keys, arrays, nested brackets, broken escapes. */
export function hostileQuery(known: readonly string[]): fc.Arbitrary<string> {
  const key = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...known) },
    { weight: 2, arbitrary: fc.constantFrom(...known).chain((k) => fc.constantFrom(`${k}[]`, `${k}[0]`, `${k}[a][b]`, `${k}[__proto__]`, `${k}.x`)) },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', '__proto__[admin]', 'constructor[prototype][admin]', 'a[b][c][d][e][f][g]', '%E0%A4%A', '%00', '') },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }).map(encodeLoosely) },
  );
  const value = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('1', '0', '-1', '1e309', '-0', 'NaN', 'Infinity', '2.5', '201', '99999999999999999999', '0x10', ' 1', '', 'all', 'member', 'csv', 'lines', 'current', 'pending', 'completed', 'filter_hit', 'admin_action') },
    { weight: 3, arbitrary: hostileString.map((s) => encodeLoosely(s.slice(0, 3000))) },
    { weight: 2, arbitrary: fc.constantFrom('%E0%A4%A', '%ZZ', '%', '%00', '%u0041', '%C0%AF', '%ED%A0%80', '+', '%2B', '&&', '==', '[', ']', '%5B%5D', '2026-13-45T99:99:99Z', '2026-01-01T00:00:00Z') },
    { weight: 1, arbitrary: fc.integer({ min: 3000, max: 20_000 }).map((n) => 'q'.repeat(n)) },
  );
  const pair = fc.oneof({ weight: 5, arbitrary: fc.tuple(key, value).map(([k, v]) => `${k}=${v}`) }, { weight: 1, arbitrary: key });
  return fc.array(pair, { minLength: 0, maxLength: 6 }).map((pairs) => pairs.join('&'));
}

/** A path segment where an id belongs: empty, traversal, broken escapes, very long, or a near-UUID. */
export const hostileSegment = fc.oneof(
  fc.constantFrom('..', '.', '%2e%2e', '%2F', '%00', '%E0%A4%A', '%ZZ', '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-4fff-bfff-ffffffffffff', '-1', '1e309', 'NaN', '__proto__', 'constructor', 'x'.repeat(5000)),
  fc.uuid(),
  fc.string({ maxLength: 30 }).map(encodeLoosely),
  fc.integer().map(String),
);
