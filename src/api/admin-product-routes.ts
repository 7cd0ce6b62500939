import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { type Catalog, checkProduct, ProductInputError, type ProductSpec } from '../core/catalog.js';
import { adminAuth } from './admin-auth.js';
import { errors, ok, type ResponseDoc } from './openapi-responses.js';
import { NO_PRODUCT, noProduct } from './product-routes.js';
import { ProductInputSchema, RestockInputSchema, SkuParams } from './schemas.js';

const security = [{ bearerAuth: [] }];

/** Every admin route's answers: bad input, no or a wrong token, no admin token configured, store down. */
const ADMIN = errors(400, 401, 403, 503);
/** …and of a route with a JSON body. */
const ADMIN_BODY = errors(400, 401, 403, 413, 415, 503);

const CONFLICT: ResponseDoc = ok(
  'ProductConflict',
  '`stock_below_committed`: the stock is below the units orders reserved and bought (`reserved`, `sold`); `units_reserved`: orders still hold units of it. Nothing changed.',
);

/**
 * The catalog's admin API under /admin/products, behind the admin token:
 * create or replace a product, restock it, remove it, and audit every sku's
 * counters against the orders.
 */
export function adminProductRoutes(deps: { catalog: Catalog; token: string | undefined }): FastifyPluginAsync {
  const { catalog } = deps;
  return async (app) => {
    // This plugin's routes only (Fastify encapsulation).
    app.addHook('onRequest', adminAuth(deps.token));

    app.put(
      '/admin/products/:sku',
      {
        schema: {
          tags: ['admin'],
          summary: 'Create a product or replace its definition',
          description:
            'Creates the product with its whole stock available, or replaces every field of an existing one: `initial` becomes `stock` and `available` = stock − reserved − sold. Units orders hold or bought are never taken back: a stock below them is refused (409).',
          security,
          params: SkuParams,
          body: ProductInputSchema,
          response: {
            200: ok('Product', 'Replaced: the product as it is now.'),
            201: ok('Product', 'Created.'),
            409: CONFLICT,
            ...ADMIN_BODY,
          },
        },
      },
      async (request, reply) => {
        const { sku } = request.params as { sku: string };
        const spec = checked(reply, () => checkProduct(sku, request.body));
        if (!spec) return reply;
        const outcome = await catalog.put(spec);
        if (outcome.kind === 'conflict') {
          const { reserved, sold, stock } = outcome;
          return reply.code(409).send({
            error: outcome.reason,
            message: `stock ${stock} is below the ${reserved} unit(s) reserved and ${sold} sold of ${sku}; give at least ${reserved + sold}`,
            field: 'stock',
            sku,
            stock,
            reserved,
            sold,
          });
        }
        return reply.code(outcome.kind === 'created' ? 201 : 200).send(outcome.product);
      },
    );

    app.post(
      '/admin/products/:sku/restock',
      {
        schema: {
          tags: ['admin'],
          summary: 'Add units to a product (initial and available)',
          security,
          params: SkuParams,
          body: RestockInputSchema,
          response: { 200: ok('Product', 'The product after the restock.'), 404: NO_PRODUCT, ...ADMIN_BODY },
        },
      },
      async (request, reply) => {
        const { sku } = request.params as { sku: string };
        const { add } = request.body as { add: number };
        const outcome = await catalog.restock(sku, add);
        if (outcome.kind === 'not_found') {
          return reply.code(404).send(noProduct(sku, `; create it with PUT /admin/products/${sku}`));
        }
        return outcome.product;
      },
    );

    app.delete(
      '/admin/products/:sku',
      {
        schema: {
          tags: ['admin'],
          summary: 'Remove a product no order holds units of',
          description:
            'Its sku is then open again (or refused, with `--catalog-mode closed`). Sold units stay in their orders and in the audit.',
          security,
          params: SkuParams,
          response: {
            200: ok('Product', 'Removed: the product as it was.'),
            404: NO_PRODUCT,
            409: CONFLICT,
            ...ADMIN,
          },
        },
      },
      async (request, reply) => {
        const { sku } = request.params as { sku: string };
        const outcome = await catalog.remove(sku);
        if (outcome.kind === 'not_found') return reply.code(404).send(noProduct(sku));
        if (outcome.kind === 'conflict') {
          return reply.code(409).send({
            error: outcome.reason,
            message: `orders hold ${outcome.reserved} unit(s) of ${sku}; remove it once they are paid, cancelled or expired`,
            sku,
            reserved: outcome.reserved,
          });
        }
        return outcome.product;
      },
    );

    app.get(
      '/admin/products/audit',
      {
        schema: {
          tags: ['admin'],
          summary: 'Recompute every sku from the orders and report drift',
          description:
            'Reads every order that reserved units (one snapshot): reserved = units of pending and processing orders, sold = units of completed ones, and each customer’s units; compares them with the counters and checks initial = available + reserved + sold. `clean` is false on any drift.',
          security,
          response: { 200: ok('StockAudit', 'The audit, per sku.'), ...ADMIN },
        },
      },
      async () => catalog.audit(),
    );
  };
}

/** The checked spec, or undefined once a 400 naming the field was sent. */
function checked(reply: FastifyReply, check: () => ProductSpec): ProductSpec | undefined {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof ProductInputError)) throw error;
    reply.code(400).send({ error: 'validation_error', message: error.message, field: error.field });
    return undefined;
  }
}
