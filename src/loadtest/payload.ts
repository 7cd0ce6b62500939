/**
 * Order payloads like the study's Locust clients send, from a seeded random
 * source so that a run can be repeated request for request.
 */
import { SELLOUT_SKU, type SelloutItem, selloutBodies } from './sellout.js';

/** A small, fast, seedable PRNG (mulberry32). Returns floats in [0, 1). */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface StudyProduct {
  product_id: string;
  quantity: number;
  price: number;
}

/** The three flash-sale products of the study's clients, each with its fixed quantity. */
export const STUDY_PRODUCTS: readonly StudyProduct[] = [
  { product_id: 'FLASH-001', quantity: 1, price: 29.99 },
  { product_id: 'FLASH-002', quantity: 2, price: 49.99 },
  { product_id: 'FLASH-003', quantity: 1, price: 99.99 },
];

export interface OrderPayload {
  customer_id: number;
  items: StudyProduct[];
}

/** One order: customer_id in 1000–1999 and one or two distinct products. */
export function randomOrder(random: () => number): OrderPayload {
  const customer_id = 1000 + Math.floor(random() * 1000);
  const count = random() < 0.5 ? 1 : 2;
  const first = Math.floor(random() * STUDY_PRODUCTS.length);
  const items = [{ ...STUDY_PRODUCTS[first]! }];
  if (count === 2) {
    const second = (first + 1 + Math.floor(random() * (STUDY_PRODUCTS.length - 1))) % STUDY_PRODUCTS.length;
    items.push({ ...STUDY_PRODUCTS[second]! });
  }
  return { customer_id, items };
}

/** What a run sends as its request body: a random study order, one unit of one sku per new customer, or nothing. */
export type PayloadKind = 'order' | 'sellout' | 'none';

/** Builds the body factory for a run: a fresh order JSON per request, or no body. */
export function bodyFactory(kind: PayloadKind, seed: number, item?: SelloutItem): () => string | undefined {
  if (kind === 'none') return () => undefined;
  if (kind === 'sellout') return selloutBodies(item ?? { sku: SELLOUT_SKU, price: STUDY_PRODUCTS[0]!.price }, seed);
  const random = createRandom(seed);
  return () => JSON.stringify(randomOrder(random));
}
