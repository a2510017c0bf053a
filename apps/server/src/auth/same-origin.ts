import { Inject, Injectable } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { APP_CONFIG, originOf, type AppConfig } from '../config/config';

/**
 * The cross-site check for credentials the browser attaches by itself (the session cookie). A
 * page on another port of the same host is "same site", so SameSite=Strict still sends the
 * cookie there; the Origin header (Referer when a browser leaves Origin out) tells us who asked.
 *
 * A cookie-authenticated change with neither header is refused as well: every current browser
 * sends Origin on a WebSocket handshake and on every non-GET fetch or form post, so only a
 * non-browser client lacks both, and such a client can send the Bearer token instead.
 */
@Injectable()
export class OriginPolicy {
  private readonly allowed: ReadonlySet<string>;
  private readonly trustForwardedHost: boolean;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.allowed = new Set(config.allowedOrigins);
    this.trustForwardedHost = config.trustProxy !== undefined;
  }

  /** Why a request with these headers may not use its cookie, or null when it may. */
  refusal(headers: IncomingHttpHeaders): string | null {
    const claimed = first(headers.origin) ?? first(headers.referer);
    if (claimed === undefined) return 'a request signed in by cookie must carry an Origin or Referer header';
    const origin = originOf(claimed);
    if (origin && (this.allowed.has(origin) || this.isOwnHost(origin, headers))) return null;
    return `requests from ${origin ?? 'this page'} may not use the studio's session cookie`;
  }

  /** The request's own host: the studio was loaded from where this request is going. */
  private isOwnHost(origin: string, headers: IncomingHttpHeaders): boolean {
    const forwarded = this.trustForwardedHost ? first(headers['x-forwarded-host'])?.split(',')[0]?.trim() : undefined;
    const host = forwarded || first(headers.host);
    if (!host) return false;
    const url = new URL(origin);
    return url.host === host.toLowerCase() || url.host === defaultPortless(host.toLowerCase(), url.protocol);
  }
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v) || undefined;

/** `Host: example:80` for an http origin (URL drops default ports). */
function defaultPortless(host: string, protocol: string): string {
  if (protocol === 'http:' && host.endsWith(':80')) return host.slice(0, -3);
  if (protocol === 'https:' && host.endsWith(':443')) return host.slice(0, -4);
  return host;
}
