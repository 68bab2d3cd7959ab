/**
 * The host-metrics source: every `interval` ms (jittered ±10%) it samples CPU, load,
 * memory, swap, filesystems, network rates and uptime, and emits one wire `metrics` event
 * carrying the OS hostname. On Linux it reads /proc and statfs directly (cheap, no child
 * processes); elsewhere it falls back to systeminformation. A failed sample is logged and
 * the next one is tried; it never stops the source.
 */
import { hostname } from 'node:os';
import { existsSync } from 'node:fs';
import type { Sample } from '@vigil/proto';
import type { Source, SourceContext } from '../source.js';
import { createProcSampler } from './sampler.js';
import { createSiSampler } from './si-sampler.js';

export interface HostMetricsConfig { interval: number }

export function createHostMetricsSource(cfg: HostMetricsConfig): Source {
  const interval = cfg.interval > 0 ? cfg.interval : 10_000;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const host = hostname();
  const jitter = (ms: number) => Math.round(ms * (0.9 + 0.2 * Math.random()));

  return {
    name: 'host-metrics',
    async start(ctx: SourceContext) {
      let sample: (now: number) => Sample[] | Promise<Sample[]>;
      if (existsSync('/proc/stat')) {
        const s = createProcSampler();
        sample = (now) => s.sample(now);
      } else {
        const s = await createSiSampler();
        sample = (now) => s.sample(now);
      }
      await sample(Date.now()); // primes the CPU and network baselines; rates need two readings
      let failures = 0;
      const tick = async () => {
        if (stopped || ctx.signal.aborted) return;
        try {
          const now = Date.now();
          const samples = await sample(now);
          await ctx.room();
          if (stopped) return;
          ctx.emit([{ timeMs: now, metrics: { samples, hostName: host } }]);
          failures = 0;
        } catch (err) {
          if (failures++ === 0) ctx.log.warn('host sample failed', { error: (err as Error).message });
        }
        if (!stopped) timer = setTimeout(tick, jitter(interval));
      };
      timer = setTimeout(tick, jitter(Math.min(interval, 2000)));
      ctx.signal.addEventListener('abort', () => { stopped = true; clearTimeout(timer); }, { once: true });
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
