/**
 * Validates a parsed YAML agent config against the contract's schema and fills in
 * defaults. Every problem is a UsageError naming the key path (`files[1].type`) and the
 * bad value, so `./vigil agent` can exit 2 with a one-line message.
 */
import { parseDuration, parseSize } from '@vigil/proto';
import { LOG_TYPES, UsageError } from './types.js';
import type { AgentConfig, FileEntry, JournalEntry, ProbeConfig } from './types.js';
import type { LogType } from '@vigil/proto';
import { isNameGlobList } from '../sources/file/types.js';

type Obj = Record<string, unknown>;
const DEFAULT_MAX_BYTES = 1024 ** 3;
const DEFAULT_INTERVAL = 10_000;

function fail(path: string, msg: string): never {
  throw new UsageError(`config: ${path}: ${msg}`);
}
function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}
function obj(v: unknown, path: string, keys: string[]): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, `must be a mapping, got ${show(v)}`);
  for (const k of Object.keys(v as Obj)) {
    if (!keys.includes(k)) fail(path ? `${path}.${k}` : k, `unknown key (expected one of ${keys.join(', ')})`);
  }
  return v as Obj;
}
function list(v: unknown, path: string): unknown[] {
  if (v == null) return [];
  if (!Array.isArray(v)) fail(path, `must be a list, got ${show(v)}`);
  return v;
}
function str(v: unknown, path: string): string {
  if (typeof v !== 'string' || v.trim() === '') fail(path, `must be a non-empty string, got ${show(v)}`);
  return v;
}
function logType(v: unknown, path: string): LogType {
  if (!LOG_TYPES.includes(v as LogType)) fail(path, `must be one of ${LOG_TYPES.join('|')}, got ${show(v)}`);
  return v as LogType;
}
function startAt(v: unknown, path: string): 'beginning' | 'end' | undefined {
  if (v === undefined) return undefined;
  if (v !== 'beginning' && v !== 'end') fail(path, `must be beginning or end, got ${show(v)}`);
  return v;
}
function bool(v: unknown, path: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') fail(path, `must be true or false, got ${show(v)}`);
  return v;
}
function duration(v: unknown, path: string, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  const ms = parseDuration(v);
  if (ms === undefined) fail(path, `must be a duration like 500ms, 10s or 5m, got ${show(v)}`);
  if (ms < min) fail(path, `must be at least ${min} ms, got ${show(v)}`);
  return ms;
}

function fileEntry(v: unknown, path: string): FileEntry {
  const o = obj(v, path, ['path', 'type', 'start_at', 'max_line_bytes', 'exclude', 'follow_symlinks']);
  const e: FileEntry = { path: str(o.path, `${path}.path`), type: logType(o.type, `${path}.type`) };
  const s = startAt(o.start_at, `${path}.start_at`);
  if (s) e.start_at = s;
  if (o.max_line_bytes !== undefined) {
    const n = parseSize(o.max_line_bytes);
    if (n === undefined || n < 64) fail(`${path}.max_line_bytes`, `must be a size of at least 64 bytes, got ${show(o.max_line_bytes)}`);
    e.max_line_bytes = n;
  }
  if (o.exclude !== undefined) {
    if (!isNameGlobList(o.exclude)) fail(`${path}.exclude`, `must be a list of file-name globs (no '/'), got ${show(o.exclude)}`);
    e.exclude = o.exclude;
  }
  const follow = bool(o.follow_symlinks, `${path}.follow_symlinks`);
  if (follow !== undefined) e.follow_symlinks = follow;
  return e;
}

function journalEntry(v: unknown, path: string): JournalEntry {
  const o = obj(v, path, ['match', 'type', 'start_at']);
  const match: Record<string, string[]> = {};
  const m = o.match === undefined ? {} : obj(o.match, `${path}.match`, Object.keys(o.match as Obj ?? {}));
  for (const [field, val] of Object.entries(m)) {
    const at = `${path}.match.${field}`;
    if (!/^[A-Z0-9_]+$/.test(field)) fail(at, 'journal field names are upper case letters, digits and _');
    const vals = Array.isArray(val) ? val : [val];
    if (vals.length === 0) fail(at, 'must not be empty');
    match[field] = vals.map((x, i) => {
      if (typeof x !== 'string' && typeof x !== 'number') fail(Array.isArray(val) ? `${at}[${i}]` : at, `must be a string, got ${show(x)}`);
      return String(x);
    });
  }
  return { match, type: logType(o.type, `${path}.type`), start_at: startAt(o.start_at, `${path}.start_at`) ?? 'beginning' };
}

function probe(v: unknown, path: string, seen: Set<string>): ProbeConfig {
  const o = obj(v, path, ['name', 'url', 'interval', 'timeout']);
  const name = str(o.name, `${path}.name`);
  if (seen.has(name)) fail(`${path}.name`, `duplicate probe name ${show(name)}`);
  seen.add(name);
  const url = str(o.url, `${path}.url`);
  let parsed: URL | undefined;
  try { parsed = new URL(url); } catch { /* reported below */ }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) fail(`${path}.url`, `must be an http:// or https:// URL, got ${show(url)}`);
  const interval = duration(o.interval, `${path}.interval`, 30_000, 100);
  const timeout = duration(o.timeout, `${path}.timeout`, Math.min(5000, interval), 1);
  return { name, url, interval, timeout };
}

/** Validates `raw` (parsed YAML; null for an empty file) into an AgentConfig. */
export function validateConfig(raw: unknown): AgentConfig {
  const root = obj(raw ?? {}, '', ['files', 'journal', 'outbox', 'metrics', 'probes']);
  const cfg: AgentConfig = {
    files: list(root.files, 'files').map((v, i) => fileEntry(v, `files[${i}]`)),
    journal: list(root.journal, 'journal').map((v, i) => journalEntry(v, `journal[${i}]`)),
    outbox: { max_bytes: DEFAULT_MAX_BYTES },
    metrics: {},
    probes: [],
  };
  if (root.outbox != null) {
    const o = obj(root.outbox, 'outbox', ['max_bytes']);
    if (o.max_bytes !== undefined) {
      const n = parseSize(o.max_bytes);
      if (n === undefined || n < 1024 * 1024) fail('outbox.max_bytes', `must be a size of at least 1MiB like 512MB or 1GiB, got ${show(o.max_bytes)}`);
      cfg.outbox.max_bytes = n;
    }
  }
  if (root.metrics != null) {
    const m = obj(root.metrics, 'metrics', ['host', 'docker']);
    if (m.host !== undefined) {
      const h = obj(m.host ?? {}, 'metrics.host', ['interval']);
      cfg.metrics.host = { interval: duration(h.interval, 'metrics.host.interval', DEFAULT_INTERVAL, 1000) };
    }
    if (m.docker !== undefined) {
      const d = obj(m.docker ?? {}, 'metrics.docker', ['socket', 'interval']);
      cfg.metrics.docker = {
        socket: d.socket === undefined ? '/var/run/docker.sock' : str(d.socket, 'metrics.docker.socket'),
        interval: duration(d.interval, 'metrics.docker.interval', DEFAULT_INTERVAL, 1000),
      };
    }
  }
  const names = new Set<string>();
  cfg.probes = list(root.probes, 'probes').map((v, i) => probe(v, `probes[${i}]`, names));
  return cfg;
}
