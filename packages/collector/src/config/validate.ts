/**
 * Tiny composable validators for the collector's YAML config: each checks one value,
 * returns it normalised (durations in ms, sizes in bytes) or throws ConfigError naming
 * the key path, e.g. `retention.max_age: expected a duration like 30d or 12h`.
 */
import { DURATION_HINT, parseDuration, parseSize, SIZE_HINT } from '@vigil/proto';

export class ConfigError extends Error {
  constructor(readonly path: string, message: string) {
    super(`${path || '(top level)'}: ${message}`);
    this.name = 'ConfigError';
  }
}

export type Validator<T = unknown> = (value: unknown, path: string) => T;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects this module already normalised: validating one again returns it unchanged. */
const normalised = new WeakSet<object>();

/**
 * An object with known keys; any other key is an error. Missing keys are passed undefined.
 * Idempotent: a section validated by the config loader and again by its module stays as
 * it was (durations are not scaled twice).
 */
export function object<S extends Record<string, Validator>>(shape: S): Validator<{ [K in keyof S]: ReturnType<S[K]> }> {
  return (value, path) => {
    if (isObject(value) && normalised.has(value)) return value as { [K in keyof S]: ReturnType<S[K]> };
    if (value === null || value === undefined) value = {};
    if (!isObject(value)) throw new ConfigError(path, 'expected a mapping');
    for (const key of Object.keys(value)) {
      if (!(key in shape)) throw new ConfigError(path ? `${path}.${key}` : key, `unknown key (known: ${Object.keys(shape).join(', ')})`);
    }
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape)) out[key] = check(value[key], path ? `${path}.${key}` : key);
    normalised.add(out);
    return out as { [K in keyof S]: ReturnType<S[K]> };
  };
}

export function optional<T, D extends T | undefined = undefined>(check: Validator<T>, fallback?: D): Validator<T | D> {
  return (value, path) => (value === undefined || value === null ? (fallback as D) : check(value, path));
}

export const string: Validator<string> = (v, path) => {
  if (typeof v !== 'string' || v === '') throw new ConfigError(path, 'expected a non-empty string');
  return v;
};

export const boolean: Validator<boolean> = (v, path) => {
  if (typeof v !== 'boolean') throw new ConfigError(path, 'expected true or false');
  return v;
};

/** An integer from `min` to `max`. */
export const integer = (min: number, max: number): Validator<number> => (v, path) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ConfigError(path, `expected an integer from ${min} to ${max}`);
  return v;
};

/** A duration in the one grammar (README "Durations and sizes"): `30d`, `1h30m`, `2w`, `500ms` or seconds. */
export const duration: Validator<number> = (v, path) => {
  const ms = parseDuration(v);
  if (ms === undefined) throw new ConfigError(path, `expected a duration like 30d, 12h, 1h30m, 90s or 500ms (${DURATION_HINT})`);
  return ms;
};

/** A positive size in the one grammar: `500MB` (10^6), `1GiB` (2^30), `64k` or a number of bytes. */
export const bytes: Validator<number> = (v, path) => {
  const n = parseSize(v);
  if (n === undefined || n === 0) throw new ConfigError(path, `expected a size like 500MB or 1GiB (${SIZE_HINT})`);
  return n;
};
