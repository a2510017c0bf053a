import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger, PayloadTooLargeException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { genericErrorCode, isApiErrorCode, type ApiError } from '@reelcraft/shared';
import { oneLine } from './one-line';

/**
 * Turns every error into an ApiError body with a machine code (the throw site's, else one from the
 * status); an unexpected one is logged in one line and answered without its details.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    const body = toApiError(exception);
    // Multer's refusal of a file past UPLOAD_MAX_MB is a plain 413: on an upload it is the file that is too large.
    if (exception instanceof PayloadTooLargeException && body.code === 'payload_too_large' && req.is?.('multipart/form-data')) body.code = 'file_too_large';
    if (body.statusCode >= 500) {
      this.logger.error(`${req.method} ${req.path}: ${oneLine(exception)}`);
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(body.statusCode).json(body);
  }
}

export function toApiError(exception: unknown): ApiError {
  if (exception instanceof HttpException) {
    const statusCode = exception.getStatus();
    const response = exception.getResponse();
    const r = typeof response === 'string' ? { message: response } : (response as Record<string, unknown>);
    const message = Array.isArray(r.message) ? r.message.join('; ') : String(r.message ?? exception.message);
    const error: ApiError = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
    if (Array.isArray(r.issues)) error.issues = r.issues as ApiError['issues'];
    error.code = isApiErrorCode(r.code) ? r.code : genericErrorCode(statusCode);
    if (r.params && typeof r.params === 'object' && !Array.isArray(r.params)) error.params = r.params as ApiError['params'];
    if (typeof r.category === 'string') error.category = r.category;
    if (r.span && typeof r.span === 'object') error.span = r.span as ApiError['span'];
    if (Array.isArray(r.scenes)) error.scenes = r.scenes as ApiError['scenes'];
    return error;
  }
  // A full disk is the admin's to fix, not a bug: the client learns that nothing can be stored now.
  if (isDiskFull(exception)) {
    const status = HttpStatus.INSUFFICIENT_STORAGE;
    return { statusCode: status, error: STATUS_CODES[status]!, message: "no space left on the server's disk; free some space, then try again", code: 'disk_full' };
  }
  const status = HttpStatus.INTERNAL_SERVER_ERROR;
  return { statusCode: status, error: STATUS_CODES[status]!, message: 'internal error; the server log has the details', code: 'internal' };
}

/**
 * Whether an error comes from a full disk: a file write's ENOSPC (an upload that multer writes to
 * DATA_DIR, a file the service moves), SQLite's SQLITE_FULL or PostgreSQL's disk_full (53100),
 * also when TypeORM wraps the driver's error.
 */
function isDiskFull(exception: unknown): boolean {
  const codes = [exception, (exception as { driverError?: unknown } | null)?.driverError].map((e) => (e as { code?: unknown } | null)?.code);
  return codes.some((c) => c === 'ENOSPC' || c === 'SQLITE_FULL' || c === '53100');
}
