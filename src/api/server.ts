import { isUtf8 } from 'node:buffer';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, LogController } from 'fastify';
import type { Checkout } from '../core/checkout.js';
import type { OrderStore } from '../core/ports.js';
import type { QueueView } from '../core/queue-position.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { VERSION } from '../version.js';
import { errorHandler } from './errors.js';
import { addSharedSchemas, registerDocsUi, registerOpenApi } from './openapi.js';
import { opsRoutes } from './ops-routes.js';
import { type OrderGuards, orderRoutes } from './order-routes.js';
import type { ReadinessCheck } from './readiness.js';
import { lazyChildLogger } from './request-logger.js';

export interface ApiDeps {
  checkout: Checkout;
  store: OrderStore;
  telemetry: Telemetry;
  logger: FastifyBaseLogger;
  /** What GET /ready reports; without it /ready answers 200 whenever the process answers. */
  readiness?: ReadinessCheck;
  /** Where a pending async order stands in the payment queue, for its 202 and GET /orders/{id}. */
  queue?: QueueView;
}

export interface ApiOptions {
  /** Largest request body, bytes. Default 65536. */
  bodyLimitBytes?: number;
  /** Serve the OpenAPI document and Swagger UI at /docs. Default true. */
  docs?: boolean;
  /** Whether this process takes orders (the api and serve roles do; a worker does not). Default true. */
  orders?: boolean;
  /** More routes (admin, dashboard) registered before the server starts. */
  plugins?: FastifyPluginAsync[];
  /** Hooks that may answer order requests first: rate limit, circuit breaker, admission control. Default none. */
  guards?: OrderGuards;
}

/** Builds the HTTP API (not yet listening). */
export async function buildApi(deps: ApiDeps, options: ApiOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    // One log line per request would cost more than accepting the order.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLogger,
    bodyLimit: options.bodyLimitBytes ?? 65_536,
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });

  // Routes by pattern, to answer 405 (with Allow) rather than 404 for a known path.
  const routes: Array<{ pattern: RegExp; method: string }> = [];
  app.addHook('onRoute', (route) => {
    // Exact paths only: a trailing slash is another path (404), so Allow never names a route it does not serve.
    const pattern = new RegExp(`^${route.url.replace(/:[^/]+/g, '[^/]+')}$`);
    for (const method of [route.method].flat()) routes.push({ pattern, method });
  });

  // A callback hook, not an async one: no promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.telemetry.observeRequest(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  // Orders are JSON only; Fastify's default text/plain parser would turn a mislabelled body into a vague 400.
  app.removeContentTypeParser('text/plain');
  // JSON must be UTF-8 (RFC 8259): decoding bad bytes would store U+FFFD in place of what the client sent.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (!isUtf8(bytes)) {
      done(
        Object.assign(new Error('the body is not valid UTF-8'), { code: 'FLASHSALE_INVALID_UTF8', statusCode: 400 }),
      );
      return;
    }
    parseJson(request, bytes.toString('utf8'), done);
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '';
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method))];
    if (allowed.length > 0) {
      reply
        .code(405)
        .header('Allow', allowed.join(', '))
        .send({
          error: 'method_not_allowed',
          message: `${request.method} is not allowed on ${path}; use ${allowed.join(' or ')}`,
        });
      return;
    }
    reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${path}; see /docs` });
  });

  addSharedSchemas(app);
  if (options.docs ?? true) {
    await registerOpenApi(app, { version: VERSION });
    await registerDocsUi(app);
  }

  await app.register(opsRoutes, {
    telemetry: deps.telemetry,
    ...(deps.readiness ? { readiness: deps.readiness } : {}),
  });
  if (options.orders ?? true)
    await app.register(orderRoutes, {
      checkout: deps.checkout,
      store: deps.store,
      telemetry: deps.telemetry,
      ...(options.guards ? { guards: options.guards } : {}),
      ...(deps.queue ? { queue: deps.queue } : {}),
    });
  for (const plugin of options.plugins ?? []) await app.register(plugin);
  return app;
}
