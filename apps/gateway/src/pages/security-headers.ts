/**
 * Content Security Policy of the console and recipient pages: everything from this origin only (no CDN,
 * no inline script or style); `connect-src 'self'` covers `/graphql` over HTTP and graphql-ws on the
 * same host and port.
 */
export const pageCsp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join("; ");

/**
 * GraphiQL's policy: still nothing from another origin, but its Monaco editor injects style elements and
 * runs its language services in workers.
 */
export const graphiqlCsp = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers of every HTML page the gateway serves. */
export function htmlHeaders(csp: string): Record<string, string> {
  return {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": csp,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    // The recipient page carries its token in the URL: never send it to another site.
    "referrer-policy": "no-referrer",
  };
}

/** Hashed assets never change under their name. */
export const immutableCache = "public, max-age=31536000, immutable";
