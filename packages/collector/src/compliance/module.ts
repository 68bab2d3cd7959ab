/**
 * The compliance collector module: migrates its tables, loads the checks (ruleset/
 * compliance or config `compliance.dir`), registers the probe body handler, tracks
 * alerts and agents from the bus, serves the compliance and daily-report routes,
 * registers its Prometheus gauges and runs the schedule. Needs the alerts service (check
 * transitions become alerts); the service and bus tracking belong to this start().
 */
import { join } from 'node:path';
import type { CollectorModule } from '../module-contract.js';
import { ALERTS } from '../alerts/key.js';
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

const complianceModule: CollectorModule = {
  name: 'compliance',
  needs: [ALERTS.name],
  // its first evaluation's alert changes reach the feed and the outputs only once they listen
  after: ['feed', 'outputs'],
  start(ctx, { app, metrics, authenticate, services, bodies }) {
    migrateCompliance(ctx.db);
    const cfg = parseComplianceConfig(ctx.config.compliance);
    const checks = loadChecks(cfg.dir ?? join(RULESET_DIR, 'compliance'), EVALUATOR_NAMES, cfg);
    bodies.register('probe', probeHandler);
    const untrack = trackBus(ctx);
    const svc = new ComplianceService(ctx, checks, cfg, services.get(ALERTS));
    registerComplianceRoutes(app, svc, authenticate);
    registerReportRoutes(app, svc.reportEnv, authenticate);
    registerComplianceGauges(metrics, () => svc.latest());
    svc.start();
    ctx.log.info('compliance checks loaded', { count: checks.length });
    return async () => { untrack(); await svc.stop(); };
  },
};

export default complianceModule;
