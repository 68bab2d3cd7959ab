/**
 * The alerts collector module: opens the alerts store and silences, provides the service
 * (ALERTS) to the modules that need it (rules engine, compliance, outputs) and serves the
 * alerts and silences routes. Its state is the AlertService this start() made.
 */
import type { CollectorModule } from '../module-contract.js';
import { ALERTS } from './key.js';
import { registerAlertRoutes } from './routes.js';
import type { CollectorConfig } from '../config/load.js';
import { AlertService } from './service.js';
import { registerSilenceRoutes } from './silences/routes.js';

const alertsModule: CollectorModule = {
  name: 'alerts',
  provides: [ALERTS.name],
  start(ctx, hooks) {
    const svc = new AlertService(ctx);
    hooks.services.provide(ALERTS, svc);
    const auth = hooks.authenticate;
    registerAlertRoutes(hooks.app, ctx.db, svc, auth, (ctx.config as CollectorConfig).api.max_response_bytes);
    registerSilenceRoutes(hooks.app, ctx, svc, auth);
    return () => undefined;   // routes end with the app; the service holds no timer
  },
};

export default alertsModule;
