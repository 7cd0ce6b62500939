/** Order payloads like the study's load-test clients send. */
export const PRODUCTS = [
  { product_id: 'FLASH-001', quantity: 1, price: 29.99 },
  { product_id: 'FLASH-002', quantity: 2, price: 49.99 },
  { product_id: 'FLASH-003', quantity: 1, price: 99.99 },
] as const;

export function sampleOrder(customer = 1234, productIndex = 0) {
  const item = PRODUCTS[productIndex % PRODUCTS.length] ?? PRODUCTS[0];
  return { customer_id: customer, items: [{ ...item }] };
}

export interface JsonResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  ms: number;
}

/** POSTs JSON and returns status, headers, parsed body and the wall time it took. */
export async function postJson<T = Record<string, unknown>>(
  url: string,
  body: unknown,
  init: { headers?: Record<string, string>; signal?: AbortSignal; raw?: string } = {},
): Promise<JsonResponse<T>> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.raw ?? JSON.stringify(body),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : {}) as T,
    ms: performance.now() - started,
  };
}

export async function getJson<T = Record<string, unknown>>(url: string): Promise<JsonResponse<T>> {
  const started = performance.now();
  const response = await fetch(url);
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: JSON.parse(text) as T,
    ms: performance.now() - started,
  };
}
