import type { FastifyHelmetOptions } from '@fastify/helmet';

/**
 * Headers of every HTML page (the dashboard, where the admin token is typed,
 * and Swagger UI): scripts, styles and connections from this server only, no
 * framing (clickjacking), no MIME sniffing, no referrer. The JSON API does not
 * carry them: a browser never renders it, and the order routes stay lean.
 */
export const HTML_SECURITY_HEADERS: FastifyHelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
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
    },
  },
  frameguard: { action: 'deny' },
  // flashsale speaks plain HTTP; the TLS terminator in front of it (the load balancer) owns HSTS.
  strictTransportSecurity: false,
};
