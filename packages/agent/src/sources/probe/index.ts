/**
 * The probe source: runs each configured HTTP(S) health check at its interval (jittered
 * by +-10%, the first one within a second of start) and emits one wire `probe` event per
 * check. Checks of one probe never overlap; stop() cancels the timers.
 */
import type { ProbeConfig } from '../../config/types.js';
import type { Source, SourceContext } from '../source.js';
import { checkOnce } from './check.js';

function jittered(ms: number): number {
  return Math.max(1, Math.round(ms * (0.9 + Math.random() * 0.2)));
}

export function createProbeSource(probes: ProbeConfig[]): Source {
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  let stopped = false;
  let abort = new AbortController();

  function schedule(ctx: SourceContext, p: ProbeConfig, delay: number): void {
    const t = setTimeout(() => {
      timers.delete(t);
      const job = checkOnce(p, abort.signal).then((result) => {
        if (stopped) return;
        try {
          ctx.emit([{ timeMs: Date.now(), probe: result }]);
        } catch { /* logged by the context */ }
      });
      running.add(job);
      void job.finally(() => {
        running.delete(job);
        if (!stopped) schedule(ctx, p, jittered(p.interval));
      });
    }, delay);
    timers.add(t);
  }

  return {
    name: 'probe',
    async start(ctx) {
      stopped = false;
      abort = new AbortController();
      for (const p of probes) schedule(ctx, p, Math.floor(Math.random() * Math.min(1000, p.interval)));
    },
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      abort.abort();
      await Promise.all(running);
    },
  };
}
