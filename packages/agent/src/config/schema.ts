/**
 * Validates a parsed YAML agent config against the contract's schema and fills in
 * defaults, with the config kit of @vigil/proto (the collector's too). Every problem is a
 * UsageError `config: <key path>: <what>, got <value>` (`files[1].type`), so `./vigil agent`
 * exits 2 with a one-line message.
 */
import {
  bytesFrom, ConfigError, httpUrl, timer, ifPresent, keyPath, listOf, mapOf, object, oneOf, optional, shown, string, boolean,
  type LogType, type Validator,
} from '@vigil/proto';
import { LOG_TYPES, UsageError } from './types.js';
import type { AgentConfig, FileEntry, JournalEntry, ProbeConfig } from './types.js';
import { isNameGlobList } from '../sources/file/types.js';

const DEFAULT_MAX_BYTES = 1024 ** 3;
const DEFAULT_INTERVAL = 10_000;

/** Drops the keys a validator left undefined (an entry keeps only what was written or defaulted). */
const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const logType = oneOf(LOG_TYPES);
const startAt = oneOf(['beginning', 'end'] as const);
const nameGlobs: Validator<string[]> = (v, path) => {
  if (!isNameGlobList(v)) throw new ConfigError(path, `expected a list of file-name globs (no '/'), got ${shown(v)}`);
  return v;
};

const fileEntry: Validator<FileEntry> = (v, path) => defined(object({
  path: string,
  type: logType,
  start_at: optional(startAt),
  max_line_bytes: optional(bytesFrom(64)),
  exclude: optional(nameGlobs),
  follow_symlinks: optional(boolean),
})(v, path)) as FileEntry;

/** journalctl matches: upper-case field names, each a value or a list of values (any of them). */
const journalMatch: Validator<Record<string, string[]>> = (v, path) => mapOf<string[]>((val, at) => {
  const vals = Array.isArray(val) ? val : [val];
  if (vals.length === 0) throw new ConfigError(at, 'must not be empty');
  return vals.map((x, i) => {
    if (typeof x !== 'string' && typeof x !== 'number') throw new ConfigError(Array.isArray(val) ? `${at}[${i}]` : at, `expected a string, got ${shown(x)}`);
    return String(x);
  });
})(v, path);

const journalFields: Validator<Record<string, string[]>> = (v, path) => {
  const m = journalMatch(v, path);
  for (const field of Object.keys(m)) {
    if (!/^[A-Z0-9_]+$/.test(field)) throw new ConfigError(keyPath(path, field), 'journal field names are upper case letters, digits and _');
  }
  return m;
};

const journalEntry = object({
  match: optional(journalFields, {}),
  type: logType,
  start_at: optional(startAt, 'beginning' as const),
});

const probeShape = object({ name: string, url: httpUrl, interval: optional(timer(100), 30_000), timeout: optional(timer(1)) });

const probes: Validator<ProbeConfig[]> = (v, path) => {
  const seen = new Set<string>();
  return optional(listOf(probeShape), [])(v, path).map((p, i) => {
    if (seen.has(p.name)) throw new ConfigError(`${path}[${i}].name`, `duplicate probe name ${shown(p.name)}`);
    seen.add(p.name);
    return { name: p.name, url: p.url, interval: p.interval, timeout: p.timeout ?? Math.min(5000, p.interval) };
  });
};

const interval = optional(timer(1000), DEFAULT_INTERVAL);
const root = object({
  files: optional(listOf(fileEntry), []),
  journal: optional(listOf(journalEntry), []),
  outbox: object({ max_bytes: optional(bytesFrom(1024 * 1024, '1MiB'), DEFAULT_MAX_BYTES) }),
  metrics: object({
    host: ifPresent(object({ interval })),
    docker: ifPresent(object({ socket: optional(string, '/var/run/docker.sock'), interval })),
  }),
  probes,
});

/** Validates `raw` (parsed YAML; null for an empty file) into an AgentConfig. */
export function validateConfig(raw: unknown): AgentConfig {
  try {
    const c = root(raw, '');
    const metrics: AgentConfig['metrics'] = {};
    if (c.metrics.host) metrics.host = c.metrics.host;
    if (c.metrics.docker) metrics.docker = c.metrics.docker;
    return { files: c.files, journal: c.journal as JournalEntry[], outbox: c.outbox, metrics, probes: c.probes };
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`config: ${e.message}`);
    throw e;
  }
}
