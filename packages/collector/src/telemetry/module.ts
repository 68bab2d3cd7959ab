/**
 * The telemetry collector module: creates the telemetry tables, registers the wire-body
 * handlers (metrics, container events and state), the API routes and the Prometheus
 * gauges, and prunes expired samples and events every 5 minutes in small chunks (write
 * commands). Its timer and enum guard belong to the instance start() made (its returned
 * stop ends them).
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
    registerTelemetryHandlers(server.bodies, store, guard);
    registerTelemetryRoutes(server.app, ctx.db, (req) => server.authenticate(req.raw, 'viewer'), () => ctx.now(), (ctx.config as CollectorConfig).api.max_response_bytes);
    registerTelemetryGauges(server.metrics, ctx.db, () => ctx.now());
    let stopped = false;
    const again = (ms: number) => { if (!stopped) { timer = setTimeout(prune, ms); timer.unref(); } };
    const prune = () => {
      // chunks of 5000 rows per table, one write command each; repeat while a chunk came back full
      ctx.writer.run('telemetry.prune', { now: ctx.now(), chunk: 5000 }).then((n) => again(n >= 5000 ? 50 : 5 * 60_000), (err: Error) => {
        ctx.log.error('telemetry prune failed', { error: err.message });
        again(5 * 60_000);
      });
    };
    timer = setTimeout(prune, 10_000);
    timer.unref();
    return () => { stopped = true; clearTimeout(timer); guard.close(); };
  },
};

export default telemetryModule;
