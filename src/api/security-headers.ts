import type { FastifyHelmetOptions } from '@fastify/helmet';

/**
 * Headers of every HTML page (the dashboard, where the admin token is typed,
 * and Swagger UI): scripts, styles and connections from this server only, no
 * framing (clickjacking), no MIME sniffing, no referrer. The JSON API does not
 * carry them: a browser never renders it, and the order routes stay lean.
 */
const DIRECTIVES = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

function headers(directives: Record<string, string[]>): FastifyHelmetOptions {
  return {
    contentSecurityPolicy: { useDefaults: false, directives },
    frameguard: { action: 'deny' },
    // flashsale speaks plain HTTP; the TLS terminator in front of it (the load balancer) owns HSTS.
    strictTransportSecurity: false,
  };
}

export const HTML_SECURITY_HEADERS = headers(DIRECTIVES);

/**
 * Swagger UI's: the same, except that its React code sets a style element at run
 * time, so inline styles are allowed there (scripts stay this server's only).
 */
export const DOCS_SECURITY_HEADERS = headers({ ...DIRECTIVES, 'style-src': ["'self'", "'unsafe-inline'"] });
