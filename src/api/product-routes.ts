import type { FastifyPluginAsync } from 'fastify';
import type { Catalog } from '../core/catalog.js';
import { errors, ok, type ResponseDoc } from './openapi-responses.js';
import { SkuParams } from './schemas.js';

/** 404 of a route that names a product. */
export const NO_PRODUCT: ResponseDoc = ok('Error', '`not_found`: no product with this sku (`field`: `sku`).');

/** `{error: 'not_found'}` for a sku the catalog does not have. */
export function noProduct(sku: string, hint = '') {
  return { error: 'not_found', message: `no product with sku ${sku} in the catalog${hint}`, field: 'sku' };
}

/**
 * The catalog as customers see it: GET /products and GET /products/{sku},
 * with the units available, reserved and sold right now. A sku that is not a
 * product is not listed: orders for it are taken as before (open catalog).
 */
export function productRoutes(deps: { catalog: Catalog }): FastifyPluginAsync {
  const { catalog } = deps;
  return async (app) => {
    app.get(
      '/products',
      {
        schema: {
          tags: ['products'],
          summary: 'Every product on the catalog, with its stock now',
          response: { 200: ok('ProductList', 'The products, by sku.'), ...errors(503) },
        },
      },
      async () => ({ products: await catalog.list() }),
    );

    app.get(
      '/products/:sku',
      {
        schema: {
          tags: ['products'],
          summary: 'One product and its stock now',
          params: SkuParams,
          response: { 200: ok('Product', 'The product.'), ...errors(400), 404: NO_PRODUCT, ...errors(503) },
        },
      },
      async (request, reply) => {
        const { sku } = request.params as { sku: string };
        const product = await catalog.get(sku);
        if (!product) return reply.code(404).send(noProduct(sku));
        return product;
      },
    );
  };
}
