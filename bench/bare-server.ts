// The ceiling for the acceptance benchmark: the same Fastify, the same JSON
// parsing and schema validation, a 202 — and no storage at all.
import Fastify from 'fastify';
import { OrderInputSchema, OrderItemSchema } from '../src/api/schemas.js';

const app = Fastify({ logger: false });
app.addSchema(OrderItemSchema);
app.post('/orders/async', { schema: { body: OrderInputSchema } }, async (_request, reply) =>
  reply.code(202).send({ order_id: 'bare', status: 'pending' }),
);
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2] ?? 0) });
process.stderr.write(`listening on http://127.0.0.1:${(app.server.address() as { port: number }).port}\n`);
