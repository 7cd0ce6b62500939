import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { ERROR_RESPONSES, HEADERS } from './openapi-responses.js';
import { HealthSchema, ReadinessSchema, StatsSchema } from './ops-schemas.js';
import {
  BreakerOpenSchema,
  ErrorSchema,
  NotificationListSchema,
  NotificationSchema,
  OrderInputSchema,
  OrderItemSchema,
  OrderSchema,
  OverloadedSchema,
  ProductConflictSchema,
  ProductInputSchema,
  ProductListSchema,
  ProductSchema,
  RateLimitedSchema,
  RestockInputSchema,
  StockAuditSchema,
  StockCountsSchema,
  StockRejectedSchema,
} from './schemas.js';
import { DOCS_SECURITY_HEADERS } from './security-headers.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Why a route is left out of the OpenAPI document (see hidden()). */
    hiddenBecause?: string;
  }
}

const errorBody = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };

/** Where Swagger UI is served; the document is at `${DOCS_PREFIX}/json`. */
export const DOCS_PREFIX = '/docs';

/**
 * Route options that leave a route out of the OpenAPI document, saying why
 * (a test fails on a hidden route without a reason): `app.get(url, hidden('…'), handler)`.
 */
export function hidden(reason: string) {
  return { schema: { hide: true }, config: { hiddenBecause: reason } } as const;
}

/** The schemas routes refer to by id (`{ $ref: 'Order#' }`); they become `#/components/schemas/<id>`. */
export function addSharedSchemas(app: FastifyInstance): void {
  for (const schema of [
    OrderItemSchema,
    OrderInputSchema,
    OrderSchema,
    ErrorSchema,
    RateLimitedSchema,
    OverloadedSchema,
    BreakerOpenSchema,
    NotificationSchema,
    NotificationListSchema,
    HealthSchema,
    ReadinessSchema,
    StatsSchema,
    StockCountsSchema,
    ProductSchema,
    ProductListSchema,
    ProductInputSchema,
    RestockInputSchema,
    ProductConflictSchema,
    StockAuditSchema,
    StockRejectedSchema,
  ]) {
    app.addSchema(schema);
  }
}

const DESCRIPTION = `Flash-sale checkout: synchronous (pays inline) and asynchronous (202 at once, paid in the background).

Every error is JSON \`{"error": "<code>", "message": "…", "field": "<path, when one field is at fault>"}\`.
On any path: an unknown route answers 404 \`not_found\`; a known path with another method answers 405
\`method_not_allowed\` with \`Allow\`; a trailing slash is another path. A dependency that is down answers
503 with \`Retry-After\` on every route that reads or writes the store.`;

/** A registered route as the document sees it. */
export interface RouteEntry {
  method: string;
  url: string;
  hidden: boolean;
  hiddenBecause?: string;
}

type RouteOptions = { method: string | string[]; url: string; schema?: unknown; config?: { hiddenBecause?: string } };

const routeTables = new WeakMap<FastifyInstance, RouteOptions[]>();

/** Every route registered after registerOpenApi, in any scope (what a test compares the document with). */
export function routeTable(app: FastifyInstance): RouteEntry[] {
  // Read now rather than when registered: hooks of inner scopes add to a route's options after ours ran.
  return (routeTables.get(app) ?? []).flatMap((route) =>
    [route.method].flat().map((method) => ({
      method,
      url: route.url,
      hidden: Boolean((route.schema as { hide?: boolean } | undefined)?.hide),
      ...(route.config?.hiddenBecause ? { hiddenBecause: route.config.hiddenBecause } : {}),
    })),
  );
}

/**
 * Collects every route's schema into an OpenAPI 3.1 document. Registered at
 * the root, before the routes, so that it sees all of them.
 */
export async function registerOpenApi(app: FastifyInstance, options: { version: string }): Promise<void> {
  const table: RouteOptions[] = [];
  routeTables.set(app, table);
  app.addHook('onRoute', (route) => {
    table.push(route);
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'flashsale', description: DESCRIPTION, version: options.version },
      tags: [
        { name: 'orders', description: 'The checkout: create orders and follow them' },
        { name: 'products', description: 'The catalog: products and their stock now' },
        { name: 'ops', description: 'Probes and figures for operators and load balancers' },
        { name: 'admin', description: 'Operator actions, behind `Authorization: Bearer <FLASHSALE_ADMIN_TOKEN>`' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'The admin token the server was started with (`FLASHSALE_ADMIN_TOKEN`).',
          },
        },
        // Answers of any path, not of one operation.
        responses: {
          NotFound: { description: ERROR_RESPONSES[404].description, content: errorBody },
          MethodNotAllowed: {
            description: ERROR_RESPONSES[405].description,
            headers: { Allow: { description: HEADERS.allow.description, schema: { type: 'string' } } },
            content: errorBody,
          },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
}

/** Swagger UI at /docs, behind the same security headers as every HTML page. */
export async function registerDocsUi(app: FastifyInstance): Promise<void> {
  // Its own scope: the headers and the hidden-route reason apply to the viewer's routes only.
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object), hiddenBecause: 'Swagger UI: the viewer of this document' };
    });
    await docs.register(helmet, DOCS_SECURITY_HEADERS);
    await docs.register(swaggerUi, { routePrefix: DOCS_PREFIX });
  });
}
