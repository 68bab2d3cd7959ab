/**
 * The collector config's `compliance` section: evaluation interval, default grace,
 * the daily report's deadline, history retention, and per-check overrides. Validated
 * here with the config kit; a bad key throws ConfigError naming its path
 * (compliance.checks.<id>.window).
 */
import { ConfigError, duration, mapOf, object, optional, shown, string, timer, type Validator } from '@vigil/proto';
import { parseTimeOfDay } from './duration.js';

export interface CheckOverride { threshold?: number; windowMs?: number; graceMs?: number }

export interface ComplianceConfig {
  intervalMs: number;
  /** Overrides every check's grace when set. */
  graceMs?: number;
  /** UTC time of day the daily report is due (ms after midnight). */
  reportAtMs: number;
  historyMs: number;
  checks: Record<string, CheckOverride>;
  /** Folder of check YAML files; defaults to ruleset/compliance. */
  dir?: string;
}

const timeOfDay: Validator<number> = (v, path) => {
  try { return parseTimeOfDay(v); } catch (e) { throw new ConfigError(path, (e as Error).message); }
};
/** A check's threshold: a number, or a duration read as seconds (`8h` = 28800). */
const threshold: Validator<number> = (v, path) => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') return duration(v, path) / 1000;
  throw new ConfigError(path, `expected a number or a duration, got ${shown(v)}`);
};

const shape = object({
  interval: optional(timer(1000)),
  grace: optional(duration),
  report_time: optional(timeOfDay),
  history: optional(duration),
  dir: optional(string),
  checks: optional(mapOf(object({ threshold: optional(threshold), window: optional(duration), grace: optional(duration) }))),
});

/** Validates and normalises the section; throws the config's ConfigError naming the key path. */
export function parseComplianceConfig(raw: unknown): ComplianceConfig {
  const c = shape(raw, 'compliance');
  const cfg: ComplianceConfig = { intervalMs: c.interval ?? 60_000, reportAtMs: c.report_time ?? 6 * 3_600_000, historyMs: c.history ?? 90 * 86_400_000, checks: {} };
  if (c.grace !== undefined) cfg.graceMs = c.grace;
  if (c.dir !== undefined) cfg.dir = c.dir;
  for (const [id, o] of Object.entries(c.checks ?? {})) {
    const over: CheckOverride = {};
    if (o.threshold !== undefined) over.threshold = o.threshold;
    if (o.window !== undefined) over.windowMs = o.window;
    if (o.grace !== undefined) over.graceMs = o.grace;
    cfg.checks[id] = over;
  }
  return cfg;
}

/** The config section validator (config/sections.ts): checks the section, keeps it raw for the module. */
export function complianceSection(value: unknown): unknown {
  parseComplianceConfig(value);
  return value ?? {};
}
