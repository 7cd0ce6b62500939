/** Settings of the catalog: which products a process loads at start, and whether unknown skus are sold. */
import { duration, oneOf, text } from '../rules.js';
import { NODES, PROCESSING, setting, TAKING } from '../setting.js';

export const CATALOG_SETTINGS = [
  setting({
    path: 'catalog.file',
    env: 'FLASHSALE_CATALOG',
    flag: '--catalog',
    rule: text({ placeholder: 'file' }),
    doc: 'JSON products loaded at start (an array, or {"products": [...]}); creates the missing ones, never resets one that exists',
    roles: NODES,
    group: 'stock',
  }),
  setting({
    path: 'catalog.mode',
    env: 'FLASHSALE_CATALOG_MODE',
    flag: '--catalog-mode',
    rule: oneOf(['open', 'closed']),
    default: 'open',
    doc: 'open: a sku not in the catalog is sold unlimited at the client’s price; closed: refused (422 unknown_sku)',
    roles: TAKING,
    group: 'stock',
  }),
  setting({
    path: 'catalog.reservationTimeoutMs',
    env: 'FLASHSALE_RESERVATION_TIMEOUT',
    flag: '--reservation-timeout',
    rule: duration({ positive: true }),
    doc: 'simulated time an async order may stay pending (not yet claimed by a worker) before it fails as expired and its units go back on sale; unset: never',
    roles: PROCESSING,
    group: 'stock',
  }),
];
