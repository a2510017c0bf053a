import express, { type ErrorRequestHandler, type Express } from 'express';
import { STATUS_CODES } from 'node:http';
import { LIMITS, genericErrorCode, type ApiError } from '@reelcraft/shared';

/**
 * JSON body parsing with our own limit, and the parser's errors (malformed JSON, too large)
 * answered as ApiError bodies: 400 and 413, never a stack trace.
 */
export function installBodyParsing(app: Express): void {
  app.use(express.json({ limit: LIMITS.jsonBodyBytes, strict: true }));
  const onParseError: ErrorRequestHandler = (err, _req, res, next) => {
    const type = (err as { type?: string }).type;
    const statusCode =
      type === 'entity.too.large' ? 413 : type === 'entity.parse.failed' ? 400 : (err as { status?: number }).status;
    if (!statusCode || statusCode >= 500) return next(err);
    const message =
      statusCode === 413
        ? `request body is larger than ${LIMITS.jsonBodyBytes} bytes`
        : statusCode === 400 && type === 'entity.parse.failed'
          ? 'request body is not valid JSON'
          : String((err as Error).message);
    const code = statusCode === 400 && type === 'entity.parse.failed' ? 'invalid_json' : genericErrorCode(statusCode);
    const body: ApiError = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, code };
    res.status(statusCode).json(body);
  };
  app.use(onParseError);
}
