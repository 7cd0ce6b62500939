import type { OrderItem } from '../core/order.js';
import type { Rejection } from '../core/stock.js';

/** The answer to an order the catalog refused: 409 for the stock rules, 422 for a sku the catalog does not sell. */
export function rejectionAnswer(
  rejection: Rejection,
  items: readonly OrderItem[],
): { status: 409 | 422; body: Record<string, unknown> } {
  const index = items.findIndex((item) => item.product_id === rejection.sku);
  const field = `items[${Math.max(0, index)}].`;
  const { reason, sku } = rejection;
  switch (rejection.reason) {
    case 'sold_out':
      return {
        status: 409,
        body: {
          error: reason,
          message:
            rejection.available === 0 ? `${sku} is sold out` : `only ${rejection.available} unit(s) of ${sku} are left`,
          field: `${field}quantity`,
          sku,
          available: rejection.available,
        },
      };
    case 'limit_exceeded':
      return {
        status: 409,
        body: {
          error: reason,
          message: `${sku} is limited to ${rejection.limit} unit(s) per customer, and this customer holds ${rejection.held}`,
          field: `${field}quantity`,
          sku,
          limit: rejection.limit,
          held: rejection.held,
        },
      };
    case 'price_changed':
      return {
        status: 409,
        body: {
          error: reason,
          message: `the price of ${sku} is ${rejection.price.toFixed(2)}; order it at that price`,
          field: `${field}price`,
          sku,
          price: rejection.price,
        },
      };
    case 'not_on_sale':
      return {
        status: 409,
        body: {
          error: reason,
          message: `${sku} is not on sale now (from ${rejection.starts_at ?? 'any time'} until ${rejection.ends_at ?? 'no end'})`,
          field: `${field}product_id`,
          sku,
          starts_at: rejection.starts_at,
          ends_at: rejection.ends_at,
        },
      };
    case 'unknown_sku':
      return {
        status: 422,
        body: {
          error: reason,
          message: `${sku} is not in the catalog, and this server sells catalog products only`,
          field: `${field}product_id`,
          sku,
        },
      };
  }
}
