import { HttpException } from '@nestjs/common';
import type { ApiError, ApiErrorCode, ApiErrorParamName, ApiErrorParams } from '@reelcraft/shared';

/** What an ApiException adds to its body besides code and message (validation issues, the filter's spans…). */
export type ApiErrorExtra = Pick<ApiError, 'issues' | 'category' | 'span' | 'scenes'>;

type ParamsArg<C extends ApiErrorCode> = [ApiErrorParamName<C>] extends [never] ? [params?: undefined, extra?: ApiErrorExtra] : [params: ApiErrorParams<C>, extra?: ApiErrorExtra];

/**
 * An HTTP error with a stable machine code (libs/shared API_ERROR_CODES) beside its English
 * message; ApiExceptionFilter answers it as an ApiError body. The params a code's translation
 * names are required by type.
 */
export class ApiException extends HttpException {
  constructor(
    status: number,
    readonly code: ApiErrorCode,
    message: string,
    params?: Record<string, string | number>,
    extra: ApiErrorExtra = {},
  ) {
    super({ message, code, ...(params ? { params } : {}), ...extra }, status);
  }
}

/** `throw apiError(404, 'task_not_found', \`no task ${id}\`)`; codes with params take them next. */
export function apiError<C extends ApiErrorCode>(status: number, code: C, message: string, ...rest: ParamsArg<C>): ApiException {
  const [params, extra] = rest as [Record<string, string | number> | undefined, ApiErrorExtra | undefined];
  return new ApiException(status, code, message, params, extra);
}
