/**
 * A running agent: the outbox in the state dir, the sources writing into it, and the
 * transport draining it to the collector. stop() stops the sources first, flushes what
 * the collector can still take, then closes the connection and the outbox.
 */
import type { Logger } from '@vigil/proto';
import type { AgentConfig } from './config/types.js';
import { createSourceContext } from './outbox/context.js';
import { Outbox } from './outbox/outbox.js';
import { loadSources } from './sources/load.js';
import type { Source } from './sources/source.js';
import { Transport } from './transport/client.js';

export interface AgentOptions {
  collector: string; token: string; name: string; state: string; version: string;
  ca?: string | Buffer; journalctl?: string;
}

export interface RunningAgent {
  outbox: Outbox;
  transport: Transport;
  sources: Source[];
  stop(): Promise<void>;
}

export async function startAgent(cfg: AgentConfig, o: AgentOptions, log: Logger): Promise<RunningAgent> {
  const outbox = new Outbox(o.state, { maxBytes: cfg.outbox.max_bytes, log: log.child({ component: 'outbox' }) });
  const abort = new AbortController();
  const transport = new Transport({
    url: o.collector, token: o.token, name: o.name, version: o.version, outbox, log: log.child({ component: 'transport' }), ca: o.ca,
  });
  const sources = await loadSources(cfg, log, { journalctl: o.journalctl });
  const started: Source[] = [];
  for (const s of sources) {
    try {
      await s.start(createSourceContext(outbox, s.name, log, abort.signal));
      started.push(s);
    } catch (err) {
      log.error('source failed to start; the others keep running', { source: s.name, error: (err as Error).message });
    }
  }
  transport.start();
  log.info('agent started', { name: o.name, instance_id: outbox.instanceId, sources: started.map((s) => s.name), collector: o.collector });

  let stopping: Promise<void> | undefined;
  return {
    outbox, transport, sources: started,
    stop() {
      stopping ??= (async () => {
        abort.abort();
        await Promise.all(started.map((s) => s.stop().catch((err: Error) => log.warn('source stop failed', { source: s.name, error: err.message }))));
        const flushed = await transport.flush(2000);
        await transport.stop();
        log.info('agent stopped', { all_acked: flushed, queued_events: outbox.stats().outboxEvents });
        outbox.close();
      })();
      return stopping;
    },
  };
}
