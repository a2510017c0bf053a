import { ArgumentMetadata, BadRequestException, PipeTransform, applyDecorators } from '@nestjs/common';
import { ApiBody, ApiQuery } from '@nestjs/swagger';
import { z } from 'zod';

/** Validates a request part against a schema from libs/shared; a failure answers 400 with per-field messages. */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown, meta: ArgumentMetadata): z.infer<S> {
    const result = this.schema.safeParse(value ?? (meta.type === 'body' ? undefined : {}));
    if (result.success) return result.data;
    const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    const message =
      value === undefined || value === null
        ? `request ${meta.type} is missing`
        : issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    throw new BadRequestException({ message, issues });
  }
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
