import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { FlashsaleError } from '../core/errors.js';

export interface ApiError {
  error: string;
  message: string;
  field?: string;
}

/** `/items/0/quantity` → `items[0].quantity`. */
function fieldOf(path: string, missing?: string): string | undefined {
  const parts = path.split('/').filter(Boolean);
  if (missing) parts.push(missing);
  if (parts.length === 0) return undefined;
  return parts.reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

/**
 * What a client is told when a dependency is down: which part, never the driver's
 * text or the database's name (those go to the log).
 */
const UNAVAILABLE: Partial<Record<FlashsaleError['code'], string>> = {
  store_unavailable: 'the order store is unavailable; try again shortly',
  bus_unavailable: 'the message bus is unavailable; try again shortly',
};

const STATUS_OF: Partial<Record<FlashsaleError['code'], number>> = {
  not_found: 404,
  validation_error: 400,
  idempotency_conflict: 422,
  payment_unavailable: 502,
  store_unavailable: 503,
  bus_unavailable: 503,
  shutting_down: 503,
};

/** Maps every error to a JSON body; client mistakes to 4xx naming the problem, never a 5xx. */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (error.validation && error.validation.length > 0) {
    const first = error.validation[0];
    const context = error.validationContext ?? 'body';
    const params = first?.params as { missingProperty?: string; additionalProperty?: string } | undefined;
    // A body that refuses unknown keys names the one it does not know (a typo of a field, usually).
    const extra = params?.additionalProperty;
    const field = fieldOf(first?.instancePath ?? '', params?.missingProperty ?? extra);
    const why = extra ? 'is not a field of this body' : (first?.message ?? 'is invalid');
    const where = context === 'body' ? '' : `${context} `;
    const message = field ? `${where}${field} ${why}` : `${where}${first?.message}`;
    reply.code(400).send({ error: 'validation_error', message, ...(field ? { field } : {}) } satisfies ApiError);
    return;
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      reply.code(415).send({
        error: 'unsupported_media_type',
        message: `Content-Type must be application/json, got "${request.headers['content-type'] ?? ''}"`,
      });
      return;
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      reply.code(400).send({ error: 'empty_body', message: 'the request body is empty; send a JSON order' });
      return;
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      reply.code(400).send({ error: 'malformed_json', message: `the body is not valid JSON: ${error.message}` });
      return;
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      reply.code(413).send({ error: 'body_too_large', message: error.message });
      return;
    case 'FLASHSALE_INVALID_UTF8':
      reply
        .code(400)
        .send({ error: 'invalid_utf8', message: 'the body is not valid UTF-8; JSON must be encoded as UTF-8' });
      return;
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      reply.code(400).send({ error: 'invalid_content_length', message: error.message });
      return;
  }
  if (error instanceof SyntaxError || (error as { type?: string }).type === 'entity.parse.failed') {
    reply.code(400).send({ error: 'malformed_json', message: `the body is not valid JSON: ${error.message}` });
    return;
  }
  if (error instanceof FlashsaleError) {
    const status = STATUS_OF[error.code] ?? 500;
    const generic = UNAVAILABLE[error.code];
    if (generic) {
      // Per request at debug: during an outage every request fails alike, and the
      // dependency's own state change is what gets logged at warn.
      request.log.debug({ err: error, url: request.url }, 'dependency unavailable');
      reply.header('Retry-After', '1');
      reply.code(503).send({ error: error.code, message: generic });
      return;
    }
    if (error.retryable && status === 503) reply.header('Retry-After', '1');
    reply.code(status).send({ error: error.code, message: error.message });
    return;
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    reply.code(status).send({ error: (error.code ?? 'bad_request').toLowerCase(), message: error.message });
    return;
  }
  request.log.error({ err: error }, 'unhandled error');
  reply.code(500).send({ error: 'internal_error', message: 'internal error; see the server log' });
}
