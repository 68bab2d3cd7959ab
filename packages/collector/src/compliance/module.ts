/**
 * The compliance collector module: migrates its tables, loads the checks (ruleset/
 * compliance or config `compliance.dir`), registers the probe body handler, tracks
 * alerts and agents from the bus, serves the compliance and daily-report routes,
 * registers its Prometheus gauges and runs the schedule. Start it after 'alerts'.
 */
import { join } from 'node:path';
import type { CollectorModule } from '../modules.js';
import { RULESET_DIR } from '../paths.js';
import { migrateCompliance } from './schema.js';
import { parseComplianceConfig } from './settings.js';
import { loadChecks } from './loader.js';
import { EVALUATOR_NAMES } from './evaluators/index.js';
import { probeHandler } from './probes.js';
import { trackBus } from './tracking.js';
import { ComplianceService } from './service.js';
import { registerComplianceRoutes } from './routes.js';
import { registerReportRoutes } from '../reports/routes.js';
import { registerComplianceGauges } from './metrics.js';

/**
 * CollectorModule.stop() gets no context, so stop() ends every instance this process
 * started; an instance whose database has closed also ends itself at its next tick.
 */
const running = new Set<{ svc: ComplianceService; untrack: () => void }>();

const complianceModule: CollectorModule = {
  name: 'compliance',
  start(ctx, { app, metrics, authenticate, bodies }) {
    migrateCompliance(ctx.db);
    const cfg = parseComplianceConfig(ctx.config.compliance);
    const checks = loadChecks(cfg.dir ?? join(RULESET_DIR, 'compliance'), EVALUATOR_NAMES, cfg);
    bodies.register('probe', probeHandler);
    const untrack = trackBus(ctx);
    const svc = new ComplianceService(ctx, checks, cfg);
    registerComplianceRoutes(app, svc, authenticate);
    registerReportRoutes(app, svc.reportEnv, authenticate);
    registerComplianceGauges(metrics, () => svc.latest());
    svc.start();
    running.add({ svc, untrack });
    ctx.log.info('compliance checks loaded', { count: checks.length });
  },
  stop() {
    for (const r of running) { r.svc.stop(); r.untrack(); }
    running.clear();
  },
};

export default complianceModule;
