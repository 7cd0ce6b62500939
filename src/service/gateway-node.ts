import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { readyRoute } from '../api/ops-routes.js';
import { ledgerProbe, Readiness } from '../api/readiness.js';
import { type ConfigOverrides, resolveConfig, type ServiceConfig } from '../config/config.js';
import { ScaledClock } from '../core/clock.js';
import { buildGatewayServer } from '../payment/gateway-server.js';
import { SimulatedGateway } from '../payment/simulated-gateway.js';
import { VERSION } from '../version.js';
import { createLedger } from './factories.js';
import { listen } from './listen.js';

export interface RunningGateway {
  url: string;
  port: number;
  config: ServiceConfig;
  app: FastifyInstance;
  gateway: SimulatedGateway;
  close(): Promise<void>;
}

/** The simulated payment provider as its own process, its ledger in SQLite (dbPath) or PostgreSQL. */
export async function startGatewayNode(overrides: ConfigOverrides = {}): Promise<RunningGateway> {
  const config = resolveConfig(overrides);
  const logger = pino({ level: config.logLevel, base: { service: 'flashsale', role: 'gateway' } });
  const clock = new ScaledClock(config.timeScale);
  const storage = createLedger(config, { clock, logger });
  await storage.init();
  const gateway = new SimulatedGateway({ clock, ledger: storage.ledger }, config.payment);
  await gateway.init();
  const started = clock.monotonic();
  const app = await buildGatewayServer({
    gateway,
    ledger: storage.ledger,
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
  const readiness = new Readiness({ probes: { ledger: ledgerProbe(storage.ledger) }, logger });
  await app.register(readyRoute, { readiness: readiness.check });
  const { url, port } = await listen(app, config);
  logger.info({ store: config.store, slots: config.payment.slots }, 'gateway started');

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      readiness.shutDown();
      await Promise.race([app.close(), clock.sleepReal(config.shutdownGraceMs)]);
      // Payments under way finish and are recorded before the ledger closes.
      await gateway.close();
      await storage.close();
    })();
    return closing;
  };
  return { url, port, config, app, gateway, close };
}
