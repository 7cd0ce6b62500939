import { Counter, collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * prom-client's process metrics under their standard names (process_*, nodejs_*),
 * so the usual Node.js dashboards find them. Three of them are gauges named
 * `*_total` (active handles, requests, resources), which Prometheus's naming rules
 * reserve for counters; their per-type breakdowns (`nodejs_active_handles{type}`…)
 * carry the same figures under a valid name, so the totals are left out.
 */
export function registerProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
}

type Totals = number | Record<string, number | undefined>;

/**
 * Sets a counter to running totals kept elsewhere (a component's own counts
 * since start): prom-client counters only add, so the value is reset and added
 * back at each scrape. A plain number sets the unlabelled counter; a record sets
 * one series per key of the counter's single label.
 */
export function setCounter(counter: Counter, totals: Totals): void {
  counter.reset();
  if (typeof totals === 'number') {
    counter.inc(totals);
    return;
  }
  const label = (counter as unknown as { labelNames: string[] }).labelNames[0];
  if (!label) throw new Error('setCounter with a record needs a counter with one label');
  for (const [value, total] of Object.entries(totals)) counter.inc({ [label]: value }, total ?? 0);
}

/** A counter read at each scrape from running totals kept elsewhere (see setCounter). */
export function counterFrom(
  registry: Registry,
  spec: { name: string; help: string; labelName?: string; read: () => Totals },
): Counter {
  const { read } = spec;
  return new Counter({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labelName ? [spec.labelName] : [],
    registers: [registry],
    collect() {
      setCounter(this, read());
    },
  });
}
