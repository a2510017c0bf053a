import { parse as parseCookies } from 'cookie';
import type { IncomingHttpHeaders } from 'node:http';
import type { Response } from 'express';

/** The cookie lets the browser's <video> element, which cannot send headers, stream a user's files. */
export const SESSION_COOKIE = 'reelcraft_session';

/**
 * How a request proved who it is. Only a cookie is sent by the browser on its own, so only a
 * cookie-borne credential needs the same-origin check (see same-origin.ts).
 */
export interface Credential {
  token: string;
  via: 'bearer' | 'cookie' | 'query' | 'handshake';
}

/** The Bearer header first, then the session cookie; null when neither carries a token. */
export function readCredential(headers: IncomingHttpHeaders): Credential | null {
  const header = headers.authorization;
  if (header?.startsWith('Bearer ')) {
    const token = header.slice(7).trim();
    return token ? { token, via: 'bearer' } : null;
  }
  const token = sessionCookieOf(headers.cookie);
  return token ? { token, via: 'cookie' } : null;
}

/**
 * The session cookie's value. The `cookie` package leaves a value that is not valid
 * percent-encoding as it is instead of throwing; no token of ours contains '%', so such a
 * value simply matches no session (401), like any other unknown token.
 */
function sessionCookieOf(header: string | undefined): string | null {
  if (!header) return null;
  try {
    return parseCookies(header)[SESSION_COOKIE] || null;
  } catch {
    return null;
  }
}

export function setSessionCookie(res: Response, token: string, expires: Date, secure: boolean): void {
  res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/', expires, secure });
}

export function clearSessionCookie(res: Response, secure: boolean): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/', secure });
}
