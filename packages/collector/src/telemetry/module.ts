/**
 * The telemetry collector module: creates the telemetry tables, registers the wire-body
 * handlers (metrics, container events and state), the API routes and the Prometheus
 * gauges, and prunes expired samples and events every 5 minutes in small chunks. Its
 * timer and enum guard belong to the instance start() made (its returned stop ends them).
 */
import type { CollectorModule } from '../module-contract.js';
import { registerTelemetryGauges } from './gauges.js';
import { registerTelemetryHandlers } from './handlers.js';
import { EnumGuard } from './enums.js';
import type { CollectorConfig } from '../config/load.js';
import { registerTelemetryRoutes } from './routes.js';
import { TelemetryStore } from './store.js';

const telemetryModule: CollectorModule = {
  name: 'telemetry',
  start(ctx, server) {
    const store = new TelemetryStore(ctx.db);
    const unknown = server.metrics.counter('vigil_ingest_unknown_values_total', 'Enum values from agents (container state, health, action) not in their known set, replaced, by field.');
    let timer: NodeJS.Timeout | undefined;
    const guard = new EnumGuard(ctx.log, unknown, () => ctx.now());
    registerTelemetryHandlers(store, guard);
    registerTelemetryRoutes(server.app, ctx.db, (req) => server.authenticate(req.raw, 'viewer'), () => ctx.now(), (ctx.config as CollectorConfig).api.max_response_bytes);
    registerTelemetryGauges(server.metrics, ctx.db, () => ctx.now());
    const prune = () => {
      try {
        // chunks of 5000 rows per table; repeat while a chunk came back full, yielding in between
        if (store.prune(ctx.now()) >= 5000) timer = setTimeout(prune, 50);
        else timer = setTimeout(prune, 5 * 60_000);
      } catch (err) {
        ctx.log.error('telemetry prune failed', { error: (err as Error).message });
        timer = setTimeout(prune, 5 * 60_000);
      }
      timer.unref();
    };
    timer = setTimeout(prune, 10_000);
    timer.unref();
    return () => { clearTimeout(timer); guard.close(); };
  },
};

export default telemetryModule;
