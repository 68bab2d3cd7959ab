/**
 * Caps every string an agent sends besides the line text (which line-cap.ts cuts later,
 * flagged on the row) before it is used as a key or stored: paths 4 KiB, names, ids, field
 * values and images 1 KiB, free text (probe errors) the line cap, maps (line fields, labels,
 * attributes) 64 entries of 256-byte keys and 1 KiB values, lists (host IPs) 64 items. A cut
 * value is cut on a UTF-8 boundary and counted (vigil_ingest_truncated_values_total{field}).
 */
import type { Batch, Event, Hello } from '@vigil/proto';
import type { Counter } from '../metrics/registry.js';
import { capText } from './line-cap.js';

export const MAX_PATH_BYTES = 4096;
export const MAX_VALUE_BYTES = 1024;
export const MAX_KEY_BYTES = 256;
export const MAX_ENTRIES = 64;

type Dict = Record<string, string>;

export class FieldCaps {
  /** `textBytes`: the cap of free text (ingest.max_line_bytes). */
  constructor(private readonly counter: Counter, private readonly textBytes: number) {}

  /** `v` cut to `cap` bytes (counted under `field`), or `v` itself when it fits or is not a string. */
  cap<T>(v: T, cap: number, field: string): T {
    if (typeof v !== 'string') return v;
    const cut = capText(v, cap);
    if (!cut) return v;
    this.counter.inc({ field });
    return cut.text as T;
  }

  /** A map of at most MAX_ENTRIES entries with capped keys and values (`m` itself when nothing is cut). */
  dict(m: Dict | undefined, field: string): Dict | undefined {
    if (!m) return m;
    const keys = Object.keys(m);
    let changed = keys.length > MAX_ENTRIES;
    if (!changed) {
      for (const k of keys) {
        const v = m[k];
        if (k.length * 3 > MAX_KEY_BYTES || (typeof v === 'string' && v.length * 3 > MAX_VALUE_BYTES)) { changed = true; break; }
      }
      if (!changed) return m; // the common case: no copy
    }
    if (keys.length > MAX_ENTRIES) this.counter.inc({ field }, keys.length - MAX_ENTRIES);
    const out: Dict = {};
    for (const k of keys.slice(0, MAX_ENTRIES)) out[this.cap(k, MAX_KEY_BYTES, field)] = this.cap(m[k], MAX_VALUE_BYTES, field);
    return out;
  }

  /** Caps `o[k]` in place when it is a string over `cap` (a decoded message keeps its defaults otherwise). */
  private put<O extends object>(o: O, k: keyof O & string, cap: number, field: string): void {
    const v = o[k];
    const c = this.cap(v, cap, field);
    if (c !== v) o[k] = c;
  }

  private putDict<O extends object>(o: O, k: keyof O & string, field: string): void {
    const v = o[k] as Dict | undefined;
    const c = this.dict(v, field);
    if (c !== v) (o as Record<string, unknown>)[k] = c;
  }

  hello(h: Hello): void {
    this.put(h, 'version', MAX_VALUE_BYTES, 'hello.version');
    this.put(h, 'bootId', MAX_VALUE_BYTES, 'hello.boot_id');
    this.put(h, 'instanceId', MAX_VALUE_BYTES, 'hello.instance_id');
    const host = h.host;
    if (!host) return;
    for (const k of ['hostname', 'os', 'kernel', 'arch'] as const) this.put(host, k, MAX_VALUE_BYTES, `host.${k}`);
    if (host.ips) {
      if (host.ips.length > MAX_ENTRIES) this.counter.inc({ field: 'host.ips' }, host.ips.length - MAX_ENTRIES);
      host.ips = host.ips.slice(0, MAX_ENTRIES).map((ip) => this.cap(ip, MAX_VALUE_BYTES, 'host.ips'));
    }
  }

  batch(b: Batch): void {
    for (const ev of b.events ?? []) this.event(ev);
  }

  event(ev: Event): void {
    const V = MAX_VALUE_BYTES;
    if (ev.line) {
      const l = ev.line;
      this.put(l, 'path', MAX_PATH_BYTES, 'line.path');
      this.put(l, 'type', V, 'line.type');
      this.putDict(l, 'fields', 'line.fields');
    } else if (ev.metrics) {
      const m = ev.metrics;
      this.put(m, 'hostName', V, 'metrics.host_name');
      for (const s of m.samples ?? []) {
        this.put(s, 'name', V, 'sample.name');
        this.putDict(s, 'labels', 'sample.labels');
      }
    } else if (ev.containerEvent || ev.containerState) {
      const c = (ev.containerEvent ?? ev.containerState)! as unknown as Record<string, unknown>; // the fields both bodies share
      for (const k of ['id', 'name', 'image', 'state', 'action', 'health']) this.put(c, k, V, `container.${k}`);
      this.putDict(c, 'attributes', 'container.attributes');
      this.putDict(c, 'labels', 'container.labels');
    } else if (ev.probe) {
      const p = ev.probe;
      this.put(p, 'name', V, 'probe.name');
      this.put(p, 'url', V, 'probe.url');
      this.put(p, 'error', this.textBytes, 'probe.error');
    } else if (ev.loss) {
      this.put(ev.loss, 'reason', V, 'loss.reason');
    }
  }
}
