/**
 * The outputs collector module: validates the config's `outputs` section and runs the
 * webhook dispatcher (routing, grouping, retries, escalation) on alert changes. Needs
 * the alerts module started first (for silences and escalation state). Delivery counts per
 * webhook are exported on /metrics.
 */
import type { CollectorModule } from '../modules.js';
import { alertServiceFor } from '../alerts/registry.js';
import { validateOutputs } from './config.js';
import { Dispatcher } from './dispatcher.js';
import type { Channel } from './channel.js';

let running: Dispatcher | undefined;

const outputsModule: CollectorModule = {
  name: 'outputs',
  start(ctx, server) {
    const cfg = validateOutputs(ctx.config.outputs ?? {});
    const svc = alertServiceFor(ctx);
    if (!svc) throw new Error('outputs: the alerts module must start before the outputs module');
    running = new Dispatcher(ctx, svc, cfg);
    running.start();
    const d = running;
    const per = (pick: (s: Channel['stats']) => number) => () =>
      [...d.channels].map(([name, c]) => ({ labels: { webhook: name }, value: pick(c.stats) }));
    server.metrics.counterFrom('vigil_webhook_messages_sent_total', 'Webhook messages delivered (2xx), per webhook', per((s) => s.sent_messages));
    server.metrics.counterFrom('vigil_webhook_notices_sent_total', 'Alert notices delivered inside those messages (grouping folds several into one)', per((s) => s.sent_notices));
    server.metrics.counterFrom('vigil_webhook_messages_failed_total', 'Webhook messages given up after their retries, per webhook', per((s) => s.failed_messages));
    server.metrics.counterFrom('vigil_webhook_retries_total', 'Webhook delivery retries, per webhook', per((s) => s.retries));
    server.metrics.counterFrom('vigil_webhook_notices_dropped_total', 'Alert notices dropped because the webhook queue was full (max_pending), per webhook', per((s) => s.dropped));
    if (cfg.webhooks.length) ctx.log.info('outputs: webhooks ready', { webhooks: cfg.webhooks.map((w) => w.name) });
  },
  stop() {
    running?.stop();
    running = undefined;
  },
};

export default outputsModule;
