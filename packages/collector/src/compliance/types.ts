/**
 * Shapes of the compliance module: a check as loaded from its YAML file, the outcome an
 * evaluator produces (status, numeric value, evidence), and the stored result that the API,
 * the history, the gauges and the daily report all speak. Units: percent for rates,
 * seconds for ages and durations, plain counts otherwise (each check's `unit` says which).
 */
import type { DB } from '../store/db.js';

export type CheckStatus = 'pass' | 'fail' | 'unknown';
export type Unit = 'percent' | 'seconds' | 'count';
export type Compare = '<' | '<=' | '>' | '>=';

/** One compliance check, from ruleset/compliance/<id>.yaml (durations already in ms). */
export interface CheckDef {
  id: string;
  title: string;
  /** The operations guide's own wording of the requirement. */
  guide: string;
  rationale: string;
  remediation: string;
  /** Which evaluator implements it (see evaluators/index.ts). */
  evaluator: string;
  /** How far back in event time the check looks, ms. */
  windowMs: number;
  /** In `unit`: percent, seconds or a count. */
  threshold: number;
  unit: Unit;
  /** How value must relate to threshold to pass: value <compare> threshold. */
  compare: Compare;
  /** Slack allowed on time limits, ms (default 30 min). */
  graceMs: number;
  /** Severity of the alert raised when the check changes to fail. */
  severity: 'P1' | 'P2' | 'P3' | 'P4';
  /** Evaluator-specific settings (kind, deadline, max duration, ...). */
  params: Record<string, unknown>;
  file: string;
}

/** One piece of evidence: the event (or record) that decided the status, summarised. */
export interface Evidence {
  /** events.id of the deciding event, where there is one. */
  event_id?: number;
  /** Alert id, for incident checks. */
  alert_id?: string;
  /** RFC 3339 event time. */
  time?: string;
  summary: string;
  [detail: string]: unknown;
}

/** What an evaluator answers. value is null only when status is unknown. */
export interface Outcome {
  status: CheckStatus;
  value: number | null;
  evidence: Evidence[];
}

/** The stored, served result of one evaluation of one check. */
export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  value: number | null;
  threshold: number;
  unit: Unit;
  compare: Compare;
  evaluated_at: string;
  evidence: Evidence[];
}

/** What every evaluator gets: the store, the collector's clock and the data dir. */
export interface EvalEnv {
  db: DB;
  now: number;
  dataDir: string;
}

export type Evaluator = (check: CheckDef, env: EvalEnv) => Outcome;
