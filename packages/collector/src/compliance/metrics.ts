/**
 * Prometheus gauges per check, computed at scrape time from the latest results:
 * vigil_compliance_check_status{check} (1 pass, 0 fail, -1 unknown),
 * vigil_compliance_check_value{check,unit} (absent while unknown) and
 * vigil_compliance_check_threshold{check,unit}.
 */
import type { MetricsRegistry } from '../metrics/registry.js';
import type { CheckResult } from './types.js';

const STATUS = { pass: 1, fail: 0, unknown: -1 } as const;

export function registerComplianceGauges(registry: MetricsRegistry, latest: () => CheckResult[]): void {
  registry.gauge('vigil_compliance_check_status', 'Latest status of each compliance check: 1 pass, 0 fail, -1 unknown.',
    () => latest().map((r) => ({ labels: { check: r.id }, value: STATUS[r.status] })));
  registry.gauge('vigil_compliance_check_value', 'Latest measured value of each compliance check, in its unit.',
    () => latest().filter((r) => r.value !== null).map((r) => ({ labels: { check: r.id, unit: r.unit }, value: r.value as number })));
  registry.gauge('vigil_compliance_check_threshold', 'Threshold of each compliance check, in its unit.',
    () => latest().map((r) => ({ labels: { check: r.id, unit: r.unit }, value: r.threshold })));
}
