/**
 * The collector config's `rules:` section: the ruleset folder, the global allowlist
 * (defaults to loopback), the allowed lateness, the idle time after which the wall clock
 * advances the watermark, and whether the folder is watched for changes. `rulesSection`
 * is a validator for config/sections.ts; the live module applies it itself as well.
 */
import { join } from 'node:path';
import { ConfigError, boolean, duration, object, optional, string, type Validator } from '@vigil/proto';
import { AllowlistError, DEFAULT_GLOBAL_ALLOWLIST, parseAllowlist, type AllowlistSpec } from './allowlist.js';
import { RULESET_DIR } from '../paths.js';

export interface RulesConfig {
  dir: string;
  allowlist: AllowlistSpec;
  lateness: number;
  idle: number;
  watch: boolean;
}

const allowlist: Validator<AllowlistSpec> = (v, path) => {
  if (v === undefined || v === null) return DEFAULT_GLOBAL_ALLOWLIST;
  try { return parseAllowlist(v, path); } catch (e) {
    if (e instanceof AllowlistError) throw new ConfigError(e.path, e.detail);
    throw e;
  }
};

const shape = object({
  dir: optional(string),
  allowlist,
  lateness: optional(duration, 5000),
  idle: optional(duration, 5000),
  watch: optional(boolean, true),
});

const VALID = Symbol('rules config validated');

export const rulesSection: Validator<RulesConfig> = (v, path) => {
  if (v && typeof v === 'object' && VALID in v) return v as unknown as RulesConfig;
  const c = shape(v, path);
  const out = { dir: c.dir ?? join(RULESET_DIR, 'detections'), allowlist: c.allowlist, lateness: c.lateness, idle: c.idle, watch: c.watch };
  Object.defineProperty(out, VALID, { value: true });
  return out;
};

/** Reads ctx.config.rules whether or not config/sections.ts already validated it. */
export function readRulesConfig(config: Record<string, unknown>): RulesConfig {
  return rulesSection(config.rules, 'rules');
}
