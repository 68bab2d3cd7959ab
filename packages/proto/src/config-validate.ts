/**
 * The one kit for validating config objects (agent YAML, collector YAML and its sections):
 * small composable validators, each checks one value and returns it normalised (durations
 * in ms, sizes in bytes, per units.ts) or throws ConfigError naming the key path and the
 * bad value, e.g. `retention.max_age: expected a duration like 30d or 12h, got "soon"`.
 * The CLIs exit 2 on a ConfigError.
 */
import { DURATION_HINT, MAX_TIMER_MS, parseDuration, parseSize, SIZE_HINT } from './units.js';

export class ConfigError extends Error {
  constructor(readonly path: string, message: string) {
    super(`${path || '(top level)'}: ${message}`);
    this.name = 'ConfigError';
  }
}

export type Validator<T = unknown> = (value: unknown, path: string) => T;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A bad value as the error shows it: JSON, cut at 60 characters. */
export function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
const got = (v: unknown) => `, got ${shown(v)}`;

/** The key path of `key` below `path` (`a.b`, or `b` at the top). */
export const keyPath = (path: string, key: string): string => (path ? `${path}.${key}` : key);

/** Objects this module already normalised: validating one again returns it unchanged. */
const normalised = new WeakSet<object>();

/**
 * An object with known keys; any other key is an error. Missing keys are passed undefined;
 * null (a bare `key:` in YAML) is an empty mapping. Idempotent: a section validated by the
 * config loader and again by its module stays as it was (durations are not scaled twice).
 */
export function object<S extends Record<string, Validator>>(shape: S): Validator<{ [K in keyof S]: ReturnType<S[K]> }> {
  return (value, path) => {
    if (isObject(value) && normalised.has(value)) return value as { [K in keyof S]: ReturnType<S[K]> };
    if (value === null || value === undefined) value = {};
    if (!isObject(value)) throw new ConfigError(path, `expected a mapping${got(value)}`);
    for (const key of Object.keys(value)) {
      if (!(key in shape)) throw new ConfigError(keyPath(path, key), `unknown key (known: ${Object.keys(shape).join(', ')})`);
    }
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape)) out[key] = check(value[key], keyPath(path, key));
    normalised.add(out);
    return out as { [K in keyof S]: ReturnType<S[K]> };
  };
}

/** A mapping of any keys, each value checked by `check` (its path `path.key`). */
export function mapOf<T>(check: Validator<T>): Validator<Record<string, T>> {
  return (v, path) => {
    if (!isObject(v)) throw new ConfigError(path, `expected a mapping${got(v)}`);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, check(x, keyPath(path, k))]));
  };
}

/** undefined or null: the fallback; else the check. */
export function optional<T, D extends T | undefined = undefined>(check: Validator<T>, fallback?: D): Validator<T | D> {
  return (value, path) => (value === undefined || value === null ? (fallback as D) : check(value, path));
}

/** An absent key stays undefined; a present one (even a bare `key:`, null) is checked. */
export function ifPresent<T>(check: Validator<T>): Validator<T | undefined> {
  return (value, path) => (value === undefined ? undefined : check(value, path));
}

/** A list, each item checked (its path `path[i]`). */
export function listOf<T>(check: Validator<T>): Validator<T[]> {
  return (v, path) => {
    if (!Array.isArray(v)) throw new ConfigError(path, `expected a list${got(v)}`);
    return v.map((x, i) => check(x, `${path}[${i}]`));
  };
}

/** One of the allowed strings. */
export function oneOf<T extends string>(allowed: readonly T[]): Validator<T> {
  return (v, path) => {
    if (typeof v !== 'string' || !allowed.includes(v as T)) throw new ConfigError(path, `expected one of ${allowed.join(', ')}${got(v)}`);
    return v as T;
  };
}

export const string: Validator<string> = (v, path) => {
  if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(path, `expected a non-empty string${got(v)}`);
  return v;
};

export const boolean: Validator<boolean> = (v, path) => {
  if (typeof v !== 'boolean') throw new ConfigError(path, `must be true or false${got(v)}`);
  return v;
};

/** An integer from `min` to `max`. */
export const integer = (min: number, max: number): Validator<number> => (v, path) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ConfigError(path, `expected an integer from ${min} to ${max}${got(v)}`);
  return v;
};

/** An http:// or https:// URL, returned as written. */
export const httpUrl: Validator<string> = (v, path) => {
  let u: URL | undefined;
  try { u = new URL(string(v, path)); } catch (e) { if (e instanceof ConfigError) throw e; }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw new ConfigError(path, `expected an http(s) URL${got(v)}`);
  return v as string;
};

/** A duration in the one grammar (README "Durations and sizes"): `30d`, `1h30m`, `2w`, `500ms` or seconds. */
export const duration: Validator<number> = (v, path) => {
  const ms = parseDuration(v);
  if (ms === undefined) throw new ConfigError(path, `expected a duration (${DURATION_HINT})${got(v)}`);
  return ms;
};

const UNIT_MS: ReadonlyArray<[string, number]> = [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
/** A bound as the user writes it: in its largest whole unit (`24d`, `100ms`). */
const showMs = (ms: number): string => {
  const u = UNIT_MS.find(([, n]) => ms >= n && ms % n === 0);
  return u ? `${ms / u[1]}${u[0]}` : `${ms}ms`;
};

/** A duration from `min` to `max` ms. */
export const durationFrom = (min: number, max = Number.MAX_SAFE_INTEGER): Validator<number> => (v, path) => {
  const ms = duration(v, path);
  if (ms < min || ms > max) {
    throw new ConfigError(path, max === Number.MAX_SAFE_INTEGER ? `expected a duration of at least ${showMs(min)}${got(v)}` : `expected a duration from ${showMs(min)} to ${showMs(max)}${got(v)}`);
  }
  return ms;
};

/** A timer key's duration (an interval, a timeout): from `min` ms to MAX_TIMER_MS (24d). */
export const timer = (min = 1): Validator<number> => durationFrom(min, MAX_TIMER_MS);

/** A positive size in the one grammar: `500MB` (10^6), `1GiB` (2^30), `64k` or a number of bytes. */
export const bytes: Validator<number> = (v, path) => {
  const n = parseSize(v);
  if (n === undefined || n === 0) throw new ConfigError(path, `expected a size (${SIZE_HINT})${got(v)}`);
  return n;
};

/** A size of at least `min` bytes (`what` names the minimum as the user writes it). */
export const bytesFrom = (min: number, what = `${min} bytes`): Validator<number> => (v, path) => {
  const n = bytes(v, path);
  if (n < min) throw new ConfigError(path, `expected a size of at least ${what}${got(v)}`);
  return n;
};
