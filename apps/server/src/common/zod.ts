import { ArgumentMetadata, PipeTransform, applyDecorators } from '@nestjs/common';
import { ApiBody, ApiQuery } from '@nestjs/swagger';
import { LIMITS } from '@reelcraft/shared';
import { z } from 'zod';
import { apiError } from './api-error';

/**
 * Validates a request part against a schema from libs/shared; a failure answers 400 with per-field
 * messages and the code `invalid_input`, or a more precise one for the fields a user commonly
 * gets wrong (an empty or too long prompt).
 */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown, meta: ArgumentMetadata): z.infer<S> {
    const result = this.schema.safeParse(value ?? (meta.type === 'body' ? undefined : {}));
    if (result.success) {
      const at = nulAt(result.data, []);
      if (at) {
        const path = at.join('.');
        throw apiError(400, 'invalid_input', `${path ? `${path}: ` : ''}text must not contain NUL characters`, undefined, { issues: [{ path, message: 'text must not contain NUL characters' }] });
      }
      return result.data;
    }
    const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    const message =
      value === undefined || value === null
        ? `request ${meta.type} is missing`
        : issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    const first = result.error.issues[0];
    const prompt = result.error.issues.length === 1 && first && isPromptPath(first.path) ? first.code : null;
    if (prompt === 'too_small') throw apiError(400, 'prompt_empty', message, undefined, { issues });
    if (prompt === 'too_big') throw apiError(400, 'prompt_too_long', message, { max: LIMITS.prompt.max }, { issues });
    throw apiError(400, 'invalid_input', message, undefined, { issues });
  }
}

/** `prompt` (a task or project), or one of a batch's `prompts`. */
const isPromptPath = (path: PropertyKey[]) => (path.length === 1 && path[0] === 'prompt') || (path.length === 2 && path[0] === 'prompts' && typeof path[1] === 'number');

/**
 * Where a validated value holds a string (or key) with a NUL character, or null. No text field
 * means one, SQLite would keep it silently and PostgreSQL refuses it with an error (a 500), so
 * it is refused here, the same on both databases.
 */
function nulAt(value: unknown, path: (string | number)[]): (string | number)[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = nulAt(value[i], [...path, i]);
      if (at) return at;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\u0000')) return [...path, k];
      const at = nulAt(v, [...path, k]);
      if (at) return at;
    }
  }
  return null;
}

export const zodPipe = <S extends z.ZodType>(schema: S) => new ZodPipe(schema);

/** JSON Schema for OpenAPI, generated from the same zod schema that validates the request. */
export function openApiSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return json;
}

export const ApiZodBody = (schema: z.ZodType) => ApiBody({ schema: openApiSchema(schema) });

export function ApiZodQuery(schema: z.ZodObject) {
  const json = openApiSchema(schema) as { properties?: Record<string, Record<string, unknown>> };
  return applyDecorators(
    ...Object.entries(json.properties ?? {}).map(([name, prop]) => ApiQuery({ name, required: false, schema: prop })),
  );
}
