import type { FastifyInstance } from 'fastify';
import {
  type ConfigOverrides,
  functionConfig,
  type Role,
  resolveRoleConfig,
  type ServiceConfig,
} from '../config/config.js';
import type { ScaledClock } from '../core/clock.js';
import type { DependencyHealth } from '../core/health.js';
import { Notifier } from '../core/notifier.js';
import type { OrderStore, PaymentGateway } from '../core/ports.js';
import type { SimulatedGateway } from '../payment/simulated-gateway.js';
import type { HandlerRuntime } from '../serverless/handler.js';
import { type NodeContext, nodeContext, untilReachable } from './context.js';
import { notifierOptions } from './options.js';
import type { NodeExtras, RunningNode } from './order-node.js';
import { openGateway, openSender, openStorage, type Storage } from './storage.js';

export type { NodeExtras, RunningNode } from './order-node.js';

/** What every running process offers, whatever its role. */
export interface NodeBase {
  config: ServiceConfig;
  clock: ScaledClock;
  /** Up or down of each dependency (/stats `dependencies`). */
  health: DependencyHealth;
  /** The teardown steps, in the order close() runs them. */
  releaseOrder: readonly string[];
  /** Graceful stop: the release stack, once. */
  close(): Promise<void>;
}

/** `flashsale gateway`: the simulated payment provider over HTTP, its ledger in SQLite or PostgreSQL. */
export interface RunningGateway extends NodeBase {
  role: 'gateway';
  url: string;
  port: number;
  app: FastifyInstance;
  gateway: SimulatedGateway;
}

/** The serverless function's store, gateway and notifier (no HTTP, no bus: it publishes nothing). */
export interface FunctionNode extends NodeBase, Omit<HandlerRuntime, 'close'> {
  role: 'function';
}

export type OrderNode = NodeBase & RunningNode;

/**
 * The one composition root: every flashsale process — serve, api, worker,
 * gateway, the serverless function, the lab's child — is built here from one
 * config, choosing its adapters by configuration. Each part registers what
 * undoes it on a release stack as it is built; close() runs the stack.
 */
export function startNode(role: 'gateway', config?: ConfigOverrides, extras?: NodeExtras): Promise<RunningGateway>;
export function startNode(role: 'function', config?: ConfigOverrides): Promise<FunctionNode>;
export function startNode(
  role: 'serve' | 'api' | 'worker',
  config?: ConfigOverrides,
  extras?: NodeExtras,
): Promise<OrderNode>;
export async function startNode(
  role: Role,
  overrides: ConfigOverrides = {},
  extras: NodeExtras = {},
): Promise<RunningGateway | FunctionNode | OrderNode> {
  const ctx = nodeContext(role, resolveRoleConfig(role, overrides));
  try {
    return await build(ctx, extras);
  } catch (error) {
    // A start that failed half-way still releases what it opened.
    await ctx.releases.release();
    throw error;
  }
}

/** The serverless function's runtime, configured by its environment alone (the Lambda entry's cold start). */
export function startFunction(env: NodeJS.ProcessEnv = process.env): Promise<FunctionNode> {
  return startNode('function', functionConfig(env));
}

async function build(ctx: NodeContext, extras: NodeExtras): Promise<RunningGateway | FunctionNode | OrderNode> {
  const { role, config, releases } = ctx;
  const needs = role === 'gateway' ? 'ledger' : role === 'function' ? 'orders' : 'orders+bus';
  const storage = await openStorage(config, needs, ctx);
  releases.defer('close the store', () => storage.closeStore());
  releases.defer('close the bus', () => storage.closeBus());
  await untilReachable(ctx, 'store', () => storage.init());

  const gateway = await openGateway(config, ctx, storage.ledger);
  // Payments under way end and are recorded in the ledger before the store closes.
  releases.defer('close the gateway', () => gateway.close());
  await gateway.init();

  // Spread into the node only once every part has registered its release: releaseOrder is read then.
  const base: NodeBase = {
    config,
    clock: ctx.clock,
    health: ctx.health,
    get releaseOrder() {
      return releases.order;
    },
    close: () => releases.release(),
  };
  if (role === 'gateway') {
    const { serveGateway } = await import('./gateway-role.js');
    const served = await serveGateway(ctx, storage.ledger, gateway as SimulatedGateway);
    return { ...base, role, ...served };
  }
  if (role === 'function') {
    const handler = await runtime(ctx, storage, gateway);
    return { ...base, role, ...handler };
  }
  const { store, bus } = storage;
  if (!store || !bus) throw new Error(`the ${role} role needs an order store and a bus`);
  const { startOrderNode } = await import('./order-node.js');
  const node = await startOrderNode({ ...ctx, role }, { ...storage, store, bus }, gateway, extras);
  return { ...base, ...node };
}

async function runtime(ctx: NodeContext, storage: Storage, gateway: PaymentGateway): Promise<HandlerRuntime> {
  const { config, clock, logger, releases } = ctx;
  const store = storage.store as OrderStore;
  const sender = await openSender(config.notify.smtpUrl);
  const notifier = new Notifier({ store, clock, logger, ...(sender ? { sender } : {}) }, notifierOptions(config));
  releases.defer('send the emails still queued', async () => {
    await notifier.idle();
    await sender?.close();
  });
  // A frozen container would stall what an invocation left: its emails are sent before it returns.
  return { store, gateway, notifier, clock, logger, settle: () => notifier.idle() };
}
