/**
 * The collector config's `outputs` section: webhooks (generic JSON or Slack-compatible),
 * each routed by severity, rule and change; grouping window, per-message cap, retry
 * backoff, and the escalation of unacknowledged alerts. `validateOutputs` normalises it
 * (durations in ms) or throws ConfigError naming the key path, e.g.
 * `outputs.webhooks[0].url: expected an http(s) URL`.
 */
import { ConfigError, duration, httpUrl, timer, integer as int, listOf, object, oneOf, optional, string, type Validator } from '@vigil/proto';
import type { Severity } from '../model.js';

export type Change = 'opened' | 'updated' | 'acknowledged' | 'resolved';
const SEVERITIES: Severity[] = ['P1', 'P2', 'P3', 'P4'];
const CHANGES: Change[] = ['opened', 'updated', 'acknowledged', 'resolved'];

export interface WebhookConfig {
  name: string;
  url: string;
  format: 'json' | 'slack';
  severities: Severity[];
  /** Rule ids routed here; undefined = every rule. */
  rules?: string[];
  changes: Change[];
  headers: Record<string, string>;
  timeout: number;
}

export interface OutputsConfig {
  webhooks: WebhookConfig[];
  group_window: number;
  max_alerts_per_message: number;
  max_pending: number;
  retry: { attempts: number; initial: number; max: number };
  escalation: { after: number; severities: Severity[]; webhooks: string[]; interval: number };
}

const url: Validator<string> = (v, path) => new URL(httpUrl(v, path)).toString();
const headers: Validator<Record<string, string>> = (v, path) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(path, 'expected a mapping of header names to strings');
  for (const [k, x] of Object.entries(v)) {
    if (!/^[A-Za-z0-9-]+$/.test(k)) throw new ConfigError(`${path}.${k}`, 'not a valid header name');
    if (typeof x !== 'string' || /[\r\n]/.test(x)) throw new ConfigError(`${path}.${k}`, 'expected a one-line string');
  }
  return v as Record<string, string>;
};

const webhook = object({
  name: string,
  url,
  format: optional(oneOf(['json', 'slack'] as const), 'json'),
  severities: optional(listOf(oneOf(SEVERITIES)), SEVERITIES),
  rules: optional(listOf(string)),
  changes: optional(listOf(oneOf(CHANGES)), ['opened'] as Change[]),
  headers: optional(headers, {}),
  timeout: optional(timer(), 5000),
});

const section = object({
  webhooks: optional(listOf(webhook), []),
  group_window: optional(timer(), 30_000),
  max_alerts_per_message: optional(int(1, 1000), 20),
  max_pending: optional(int(1, 1_000_000), 10_000),
  retry: object({
    attempts: optional(int(1, 100), 6),
    initial: optional(timer(), 1000),
    max: optional(timer(), 300_000),
  }),
  escalation: object({
    after: optional(duration, 15 * 60_000),
    severities: optional(listOf(oneOf(SEVERITIES)), ['P1'] as Severity[]),
    webhooks: optional(listOf(string), []),
    interval: optional(timer(), 30_000),
  }),
});

const validated = new WeakSet<object>();

/** Validates and normalises; a value it already returned passes through unchanged. */
export function validateOutputs(value: unknown, path = 'outputs'): OutputsConfig {
  if (typeof value === 'object' && value !== null && validated.has(value)) return value as OutputsConfig;
  const cfg = section(value, path) as OutputsConfig;
  validated.add(cfg);
  const names = new Set<string>();
  cfg.webhooks.forEach((w, i) => {
    if (names.has(w.name)) throw new ConfigError(`${path}.webhooks[${i}].name`, `duplicate webhook name ${JSON.stringify(w.name)}`);
    names.add(w.name);
  });
  cfg.escalation.webhooks.forEach((n, i) => {
    if (!names.has(n)) throw new ConfigError(`${path}.escalation.webhooks[${i}]`, `no webhook named ${JSON.stringify(n)}`);
  });
  return cfg;
}
