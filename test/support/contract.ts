import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { FastifyPluginAsync } from 'fastify';

// ajv-formats is CommonJS: its default export arrives wrapped under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

type Json = Record<string, unknown>;

/** One answer the server gave, as the client saw it. */
export interface Exchange {
  method: string;
  /** The route's pattern (`/orders/:id`), or undefined when no route matched (404, 405). */
  route: string | undefined;
  url: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface MediaDoc {
  schema?: Json;
}
interface ResponseDoc {
  headers?: Record<string, { schema?: Json }>;
  content?: Record<string, MediaDoc>;
}

const BASE = 'flashsale-openapi';

/**
 * Checks answers against the OpenAPI document the server publishes: the status
 * is documented for that operation, the body validates against its schema and
 * each documented header that was sent validates too. Answers of unmatched
 * routes are checked against the document's NotFound / MethodNotAllowed.
 */
export class Contract {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly compiled = new Map<Json, ValidateFunction>();

  private constructor(readonly document: Json) {
    addFormats(this.ajv);
    // Refs in the document point at `#/components/…`: resolve them against one schema holding the components.
    this.ajv.addSchema({ $id: BASE, components: document.components });
  }

  static async load(baseUrl: string): Promise<Contract> {
    const response = await fetch(`${baseUrl}/docs/json`);
    if (response.status !== 200) throw new Error(`GET /docs/json answered ${response.status}`);
    return new Contract((await response.json()) as Json);
  }

  /** What is wrong with one answer; empty when it matches the document. */
  violations(exchange: Exchange): string[] {
    const where = `${exchange.method} ${exchange.url} → ${exchange.status}`;
    const response = this.responseDoc(exchange);
    if (!response) return [`${where}: status not documented for ${exchange.method} ${exchange.route ?? '(no route)'}`];
    const problems: string[] = [];
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      const value = exchange.headers[name.toLowerCase()];
      if (value === undefined || !header.schema) continue;
      const validate = this.validator(header.schema);
      if (!validate(value)) problems.push(`${where}: header ${name}: ${this.ajv.errorsText(validate.errors)}`);
    }
    const type = (exchange.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    const media = response.content?.[type];
    if (!media) {
      if (exchange.body.length > 0 || response.content) {
        problems.push(`${where}: content type "${type}" not documented (${Object.keys(response.content ?? {})})`);
      }
      return problems;
    }
    if (!media.schema) return problems;
    let body: unknown = exchange.body;
    if (type === 'application/json') {
      try {
        body = JSON.parse(exchange.body);
      } catch {
        return [...problems, `${where}: the body is not JSON`];
      }
    }
    const validate = this.validator(media.schema);
    if (!validate(body)) problems.push(`${where}: body: ${this.ajv.errorsText(validate.errors)} in ${exchange.body}`);
    return problems;
  }

  /** Throws with every violation of every answer. */
  assertAll(exchanges: readonly Exchange[]): void {
    const problems = exchanges.flatMap((e) => this.violations(e));
    if (problems.length > 0) throw new Error(`answers that break the OpenAPI document:\n${problems.join('\n')}`);
  }

  private responseDoc(exchange: Exchange): ResponseDoc | undefined {
    const components = this.document.components as { responses: Record<string, ResponseDoc> };
    if (exchange.route === undefined) {
      if (exchange.status === 404) return components.responses.NotFound;
      if (exchange.status === 405) return components.responses.MethodNotAllowed;
      return undefined;
    }
    const paths = this.document.paths as Record<string, Record<string, { responses: Record<string, ResponseDoc> }>>;
    const path = exchange.route.replace(/:([^/]+)/g, '{$1}');
    // HEAD answers as GET does, without a body.
    const method = exchange.method === 'HEAD' ? 'get' : exchange.method.toLowerCase();
    return paths[path]?.[method]?.responses[String(exchange.status)];
  }

  private validator(schema: Json): ValidateFunction {
    let validate = this.compiled.get(schema);
    if (!validate) {
      const rebased = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${BASE}#/components/`));
      validate = this.ajv.compile(rebased);
      this.compiled.set(schema, validate);
    }
    return validate;
  }
}

/**
 * One request from the client's side, for answers the server-side recorder does
 * not see (those of unmatched routes: 404, 405). `route` is the route's pattern,
 * undefined when none matches.
 */
export async function exchange(
  baseUrl: string,
  path: string,
  init: RequestInit & { route?: string } = {},
): Promise<Exchange> {
  const response = await fetch(`${baseUrl}${path}`, init);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return {
    method: init.method ?? 'GET',
    route: init.route,
    url: path,
    status: response.status,
    headers,
    body: await response.text(),
  };
}

/**
 * Records every answer of the server it is registered in (as a plugin of the
 * root scope, so that its hook sees every route), for `Contract.assertAll`.
 */
export function recordExchanges(): { plugin: FastifyPluginAsync; exchanges: Exchange[] } {
  const exchanges: Exchange[] = [];
  const plugin: FastifyPluginAsync = async (app) => {
    app.addHook('onSend', async (request, reply, payload) => {
      // Hidden routes (the dashboard, Swagger UI) are not part of the document.
      if (request.routeOptions.config?.hiddenBecause) return payload;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) headers[name.toLowerCase()] = String(value);
      }
      exchanges.push({
        method: request.method,
        route: request.routeOptions.url,
        url: request.url,
        status: reply.statusCode,
        headers,
        body: typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '',
      });
      return payload;
    });
  };
  // Fastify's marker for a plugin whose hooks apply to its parent scope (what fastify-plugin sets).
  Object.assign(plugin, { [Symbol.for('skip-override')]: true });
  return { plugin, exchanges };
}
