/**
 * The collector config's `compliance` section: evaluation interval, default grace,
 * the daily report's deadline, history retention, and per-check overrides. Validated
 * here; a bad key throws an Error naming its path (compliance.checks.<id>.window).
 */
import { ConfigError } from '../config/validate.js';
import { requireDuration } from '@vigil/proto';
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

const TOP = new Set(['interval', 'grace', 'report_time', 'history', 'checks', 'dir']);
const PER_CHECK = new Set(['threshold', 'window', 'grace']);

/** Validates and normalises the section; throws the config's ConfigError naming the key path. */
export function parseComplianceConfig(raw: unknown): ComplianceConfig {
  const cfg: ComplianceConfig = { intervalMs: 60_000, reportAtMs: 6 * 3_600_000, historyMs: 90 * 86_400_000, checks: {} };
  if (raw === undefined || raw === null) return cfg;
  const bad = (path: string, why: string): never => { throw new ConfigError(path ? `compliance.${path}` : 'compliance', why); };
  if (typeof raw !== 'object' || Array.isArray(raw)) bad('', 'expected a mapping');
  const r = raw as Record<string, unknown>;
  const dur = (path: string, v: unknown): number => {
    try { return requireDuration(v); } catch (e) { return bad(path, (e as Error).message); }
  };
  for (const [k, v] of Object.entries(r)) {
    if (!TOP.has(k)) bad(k, 'unknown key');
    if (k === 'interval') { cfg.intervalMs = dur(k, v); if (cfg.intervalMs < 1000) bad(k, 'at least 1s'); }
    if (k === 'grace') cfg.graceMs = dur(k, v);
    if (k === 'history') cfg.historyMs = dur(k, v);
    if (k === 'report_time') { try { cfg.reportAtMs = parseTimeOfDay(v); } catch (e) { bad(k, (e as Error).message); } }
    if (k === 'dir') { if (typeof v !== 'string' || !v) bad(k, 'expected a folder path'); cfg.dir = v as string; }
    if (k === 'checks') {
      if (!v || typeof v !== 'object' || Array.isArray(v)) bad(k, 'expected a mapping of check id to overrides');
      for (const [id, o] of Object.entries(v as Record<string, unknown>)) {
        if (!o || typeof o !== 'object' || Array.isArray(o)) bad(`checks.${id}`, 'expected a mapping');
        const over: CheckOverride = {};
        for (const [ok, ov] of Object.entries(o as Record<string, unknown>)) {
          const p = `checks.${id}.${ok}`;
          if (!PER_CHECK.has(ok)) bad(p, 'unknown key');
          if (ok === 'window') over.windowMs = dur(p, ov);
          if (ok === 'grace') over.graceMs = dur(p, ov);
          if (ok === 'threshold') {
            if (typeof ov === 'number' && Number.isFinite(ov)) over.threshold = ov;
            else if (typeof ov === 'string') over.threshold = dur(p, ov) / 1000;
            else bad(p, 'expected a number or a duration');
          }
        }
        cfg.checks[id] = over;
      }
    }
  }
  return cfg;
}

/** The config section validator (config/sections.ts): checks the section, keeps it raw for the module. */
export function complianceSection(value: unknown): unknown {
  parseComplianceConfig(value);
  return value ?? {};
}
