/**
 * A small metrics registry rendered as Prometheus text: counters owned by their writers
 * (ingest events, batches, bytes, rejects by reason) and gauges computed on scrape from
 * providers that modules register (ingest lag, database size, agents online, ...).
 */
export type Labels = Record<string, string>;
export interface GaugeSample { labels?: Labels; value: number }
export type GaugeProvider = () => number | GaugeSample[];

export interface Counter {
  inc(labels?: Labels, by?: number): void;
  get(labels?: Labels): number;
}

interface Family { help: string; type: 'counter' | 'gauge' }

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function labelKey(labels: Labels | undefined): string {
  if (!labels) return '';
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return '{' + keys.map((k) => `${k}="${esc(labels[k])}"`).join(',') + '}';
}

function fmt(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export class MetricsRegistry {
  private readonly families = new Map<string, Family>();
  private readonly counters = new Map<string, Map<string, number>>();
  private readonly gauges = new Map<string, GaugeProvider>();

  private declare(name: string, help: string, type: Family['type']): void {
    if (!NAME_RE.test(name)) throw new Error(`invalid metric name ${name}`);
    const known = this.families.get(name);
    if (known && known.type !== type) throw new Error(`metric ${name} already registered as ${known.type}`);
    this.families.set(name, { help, type });
  }

  counter(name: string, help: string): Counter {
    this.declare(name, help, 'counter');
    let values = this.counters.get(name);
    if (!values) { values = new Map(); this.counters.set(name, values); }
    const v = values;
    return {
      inc(labels, by = 1) { const k = labelKey(labels); v.set(k, (v.get(k) ?? 0) + by); },
      get(labels) { return v.get(labelKey(labels)) ?? 0; },
    };
  }

  /** Registers (or replaces) a counter whose owner keeps the totals, read at scrape time. */
  counterFrom(name: string, help: string, provider: GaugeProvider): void {
    this.declare(name, help, 'counter');
    this.gauges.set(name, provider);
  }

  /** Registers (or replaces) a gauge computed at scrape time. */
  gauge(name: string, help: string, provider: GaugeProvider): void {
    this.declare(name, help, 'gauge');
    this.gauges.set(name, provider);
  }

  render(): string {
    const out: string[] = [];
    for (const [name, fam] of this.families) {
      out.push(`# HELP ${name} ${fam.help.replace(/\n/g, ' ')}`, `# TYPE ${name} ${fam.type}`);
      if (fam.type === 'counter' && !this.gauges.has(name)) {
        for (const [k, v] of this.counters.get(name) ?? []) out.push(`${name}${k} ${fmt(v)}`);
        continue;
      }
      let got: number | GaugeSample[];
      try { got = this.gauges.get(name)!(); } catch { continue; }
      const samples = typeof got === 'number' ? [{ value: got }] : got;
      for (const s of samples) out.push(`${name}${labelKey(s.labels)} ${fmt(s.value)}`);
    }
    return out.join('\n') + '\n';
  }
}
