/**
 * The alerts collector module: opens the alerts store and silences, makes the service
 * available to the rules engine, compliance, feed and outputs (registry.ts), and serves
 * the alerts and silences routes. Must start before the feed and outputs modules.
 */
import type { CollectorModule } from '../modules.js';
import { provideAlertService } from './registry.js';
import { registerAlertRoutes } from './routes.js';
import type { CollectorConfig } from '../config/load.js';
import { AlertService } from './service.js';
import { registerSilenceRoutes } from './silences/routes.js';

const alertsModule: CollectorModule = {
  name: 'alerts',
  start(ctx, hooks) {
    const svc = new AlertService(ctx);
    provideAlertService(ctx, svc);
    const auth = hooks.authenticate;
    registerAlertRoutes(hooks.app, ctx.db, svc, auth, (ctx.config as CollectorConfig).api.max_response_bytes);
    registerSilenceRoutes(hooks.app, ctx, svc.silences, auth);
  },
};

export default alertsModule;
