// Prometheus metrics for operators (prom-client), read from the components' plain counter objects at scrape time.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

type Numbers = Record<string, number | Record<string, number>>;

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());

/**
 * Publishes every numeric field of `read()` as `reef_<component>_<field>_total` (a counter), except the names in
 * `gauges`, which are point-in-time values. A nested record becomes one counter with a `kind` label.
 */
export function exposeCounters(registry: Registry, component: string, read: () => Numbers, gauges: string[] = []): void {
  const sample = read();
  for (const key of Object.keys(sample)) {
    const name = `reef_${component}_${snake(key)}`;
    const help = `${component} ${key}`;
    if (typeof sample[key] === 'object') {
      new Counter({
        name: `${name}_total`, help, labelNames: ['kind'], registers: [registry],
        collect() {
          this.reset();
          for (const [kind, v] of Object.entries(read()[key] as Record<string, number>)) this.inc({ kind }, v);
        },
      });
    } else if (gauges.includes(key)) {
      new Gauge({ name, help, registers: [registry], collect() { this.set(read()[key] as number); } });
    } else {
      new Counter({ name: `${name}_total`, help, registers: [registry], collect() { this.reset(); this.inc(read()[key] as number); } });
    }
  }
}

export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'reef_process_' });
  return registry;
}

export function exposeGauge(registry: Registry, name: string, help: string, read: () => number, labels?: () => Array<[Record<string, string>, number]>): void {
  new Gauge({
    name, help, registers: [registry], labelNames: labels ? ['level'] : [],
    collect() {
      if (labels) for (const [l, v] of labels()) this.set(l, v);
      else this.set(read());
    },
  });
}
