import type { Rule } from './rules.js';
import type { Role, ServiceConfig } from './service-config.js';

/** Every leaf of ServiceConfig as a dotted path: 'port', 'payment.latencyMs', … */
export type SettingPath = LeafPaths<ServiceConfig>;

type LeafPaths<T, Prefix extends string = ''> = {
  [K in keyof T & string]-?: NonNullable<T[K]> extends object
    ? LeafPaths<NonNullable<T[K]>, `${Prefix}${K}.`>
    : `${Prefix}${K}`;
}[keyof T & string];

/** The type of the value at a dotted path (undefined included when the field is optional). */
export type ValueAt<T, P extends string> = P extends `${infer Head}.${infer Rest}`
  ? Head extends keyof T
    ? ValueAt<NonNullable<T[Head]>, Rest>
    : never
  : P extends keyof T
    ? T[P]
    : never;

/** How --help and the README group the settings. */
export const GROUPS = {
  server: 'Server',
  backends: 'Store, bus and gateway',
  payment: 'Payments (the simulated provider)',
  processing: 'Processing',
  stock: 'Limited stock',
  notify: 'Notifications',
  resilience: 'Resilience',
  autoscale: 'Autoscaler',
  advanced: 'Advanced tuning',
} as const;

export type Group = keyof typeof GROUPS;

/** One setting, declared once: everything else (defaults, env, flags, help, README) is derived. */
export interface Setting<P extends string = string, T = unknown> {
  /** Where the value lives in ServiceConfig. */
  path: P;
  /** Environment variable. */
  env: string;
  /** Variables read, in order, when `env` is unset (AWS_DEFAULT_REGION). */
  envAliases?: readonly string[];
  /** The flag, without its value: `--payment-latency`. Absent = environment only (secrets). */
  flag?: `--${string}`;
  rule: Rule<T>;
  /** Absent = unset unless given. */
  default?: T;
  /** Defaults of the roles whose default differs (the gateway's port and ledger file). */
  roleDefaults?: Partial<Record<Role, T>>;
  /** One line: what it does, in the words of --help. */
  doc: string;
  /** The roles that use it: their --help lists it and their flags accept it. */
  roles: readonly Role[];
  group: Group;
}

type Declared<P extends SettingPath> = Setting<P, NonNullable<ValueAt<ServiceConfig, P>>> &
  (undefined extends ValueAt<ServiceConfig, P> ? unknown : { default: NonNullable<ValueAt<ServiceConfig, P>> });

/** Declares a setting; the compiler checks its path, its rule's type and that a required field has a default. */
export function setting<P extends SettingPath>(declared: Declared<P>): Setting<P, unknown> {
  return declared as Setting<P, unknown>;
}

/** Role lists used by the tables. */
export const ALL: readonly Role[] = ['serve', 'api', 'worker', 'gateway', 'function'];
/** Processes with an HTTP listener. */
export const LISTENING: readonly Role[] = ['serve', 'api', 'worker', 'gateway'];
/** Processes with an order store, a bus and (maybe) a relay. */
export const NODES: readonly Role[] = ['serve', 'api', 'worker'];
/** Processes that pay orders or read orders. */
export const ORDERS: readonly Role[] = ['serve', 'api', 'worker', 'function'];
/** Processes that run the order processor. */
export const PROCESSING: readonly Role[] = ['serve', 'worker'];
/** Processes that take orders over HTTP. */
export const TAKING: readonly Role[] = ['serve', 'api'];
