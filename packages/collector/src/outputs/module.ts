/**
 * The outputs collector module: validates the config's `outputs` section and runs the
 * webhook dispatcher (routing, grouping, retries, escalation) on alert changes. Needs
 * the alerts module started first (for silences and escalation state).
 */
import type { CollectorModule } from '../modules.js';
import { alertServiceFor } from '../alerts/registry.js';
import { validateOutputs } from './config.js';
import { Dispatcher } from './dispatcher.js';

let running: Dispatcher | undefined;

const outputsModule: CollectorModule = {
  name: 'outputs',
  start(ctx) {
    const cfg = validateOutputs(ctx.config.outputs ?? {});
    const svc = alertServiceFor(ctx);
    if (!svc) throw new Error('outputs: the alerts module must start before the outputs module');
    running = new Dispatcher(ctx, svc, cfg);
    running.start();
    if (cfg.webhooks.length) ctx.log.info('outputs: webhooks ready', { webhooks: cfg.webhooks.map((w) => w.name) });
  },
  stop() {
    running?.stop();
    running = undefined;
  },
};

export default outputsModule;
