/** Sent on every answer, REST, studio pages and Socket.IO polling alike. */
export const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
} as const;

/**
 * The studio pages' Content-Security-Policy header: the policy SvelteKit wrote into the page's
 * <meta> tag (with the hash of its own inline bootstrap script, so no 'unsafe-inline' for
 * scripts), plus what only a header can say: no other site may frame the studio.
 */
export function studioContentSecurityPolicy(html: string): string {
  const meta = /<meta http-equiv="content-security-policy" content="([^"]+)"/i.exec(html);
  if (!meta) throw new Error('the built studio page has no Content-Security-Policy <meta> tag: rebuild it (kit.csp in svelte.config.js)');
  const policy = meta[1]!.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').trim().replace(/;\s*$/, '');
  return `${policy}; frame-ancestors 'none'`;
}
