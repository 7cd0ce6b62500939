import { readyRoute } from '../api/ops-routes.js';
import { ledgerProbe, Readiness } from '../api/readiness.js';
import type { PaymentLedger } from '../core/ports.js';
import { buildGatewayServer } from '../payment/gateway-server.js';
import type { SimulatedGateway } from '../payment/simulated-gateway.js';
import { VERSION } from '../version.js';
import type { NodeContext } from './context.js';
import { listen } from './listen.js';

/** The gateway role's HTTP face: charges, voids, /stats and /ready, over the provider and its ledger. */
export async function serveGateway(ctx: NodeContext, ledger: PaymentLedger, gateway: SimulatedGateway) {
  const { config, clock, logger, releases } = ctx;
  const started = clock.monotonic();
  const app = await buildGatewayServer({
    gateway,
    ledger,
    logger,
    info: () => ({
      service: 'flashsale',
      version: VERSION,
      role: 'gateway',
      time_scale: config.timeScale,
      uptime_ms: Math.round(clock.monotonic() - started),
    }),
  });
  // The gateway takes charges while its ledger answers.
  const readiness = new Readiness({
    probes: { ledger: (signal) => ctx.health.observe('ledger', ledgerProbe(ledger)(signal)) },
    logger,
  });
  await app.register(readyRoute, { readiness: readiness.check });
  const { url, port } = await listen(app, config);
  releases.defer('stop taking payments, drain within the grace period', () => {
    readiness.shutDown();
    return Promise.race([app.close(), clock.sleepReal(config.shutdownGraceMs)]);
  });
  logger.info({ store: config.store, slots: config.payment.slots }, 'gateway started');
  return { url, port, app, gateway };
}
