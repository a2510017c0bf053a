import { ExecutionContext, HttpException, createParamDecorator } from '@nestjs/common';
import type { Response } from 'express';

/** nginx's status for a request whose client closed the connection first (nobody receives it). */
export const CLIENT_CLOSED_REQUEST = 499;

/**
 * An AbortSignal that fires when the client goes away before the response is sent (the tab was
 * closed, the request aborted), for handlers that start long work on its behalf (an LLM call):
 * that work is then cancelled instead of finishing for nobody.
 */
export const ClientGone = createParamDecorator((_: unknown, ctx: ExecutionContext): AbortSignal => {
  const res = ctx.switchToHttp().getResponse<Response>();
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new HttpException('the client went away before the answer', CLIENT_CLOSED_REQUEST));
  });
  return controller.signal;
});
