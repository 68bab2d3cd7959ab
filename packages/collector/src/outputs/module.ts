/**
 * The outputs collector module: validates the config's `outputs` section and runs the
 * webhook dispatcher (routing, grouping, retries, escalation) on alert changes. Needs the
 * alerts service (for silences and escalation state). Delivery counts per webhook are
 * exported on /metrics. The dispatcher belongs to the start() that made it.
 */
import type { CollectorModule } from '../module-contract.js';
import { ALERTS } from '../alerts/key.js';
import { validateOutputs } from './config.js';
import { Dispatcher } from './dispatcher.js';
import type { Channel } from './channel.js';

const outputsModule: CollectorModule = {
  name: 'outputs',
  needs: [ALERTS.name],
  start(ctx, server) {
    const cfg = validateOutputs(ctx.config.outputs ?? {});
    const d = new Dispatcher(ctx, server.services.get(ALERTS), cfg);
    d.start();
    const per = (pick: (s: Channel['stats']) => number) => () =>
      [...d.channels].map(([name, c]) => ({ labels: { webhook: name }, value: pick(c.stats) }));
    server.metrics.counterFrom('vigil_webhook_messages_sent_total', 'Webhook messages delivered (2xx), per webhook', per((s) => s.sent_messages));
    server.metrics.counterFrom('vigil_webhook_notices_sent_total', 'Alert notices delivered inside those messages (grouping folds several into one)', per((s) => s.sent_notices));
    server.metrics.counterFrom('vigil_webhook_messages_failed_total', 'Webhook messages given up after their retries, per webhook', per((s) => s.failed_messages));
    server.metrics.counterFrom('vigil_webhook_retries_total', 'Webhook delivery retries, per webhook', per((s) => s.retries));
    server.metrics.counterFrom('vigil_webhook_notices_dropped_total', 'Alert notices dropped because the webhook queue was full (max_pending), per webhook', per((s) => s.dropped));
    if (cfg.webhooks.length) ctx.log.info('outputs: webhooks ready', { webhooks: cfg.webhooks.map((w) => w.name) });
    return () => d.stop();
  },
};

export default outputsModule;
