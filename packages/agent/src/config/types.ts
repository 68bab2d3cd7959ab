/**
 * The agent's configuration as the rest of the agent sees it, after validation: every
 * duration in milliseconds, every size in bytes, defaults filled in. The YAML schema that
 * produces it is in schema.ts; the command-line flags are in args.ts.
 */
import type { LogType } from '@vigil/proto';

export const LOG_TYPES: readonly LogType[] = ['auth', 'syslog', 'backup', 'deployment', 'docker-events', 'json'];

/** One `files[]` entry, passed as-is to the file source. */
export interface FileEntry {
  path: string;                         // globs allowed
  type: LogType;
  start_at?: 'beginning' | 'end';
  max_line_bytes?: number;
  exclude?: string[];                   // base-name globs a glob path skips (rotated copies by default)
  follow_symlinks?: boolean;            // follow symlinks a glob finds, inside its base directory
}

/** One `journal[]` entry: journalctl matches (same field twice = OR) and the log type. */
export interface JournalEntry {
  match: Record<string, string[]>;
  type: LogType;
  start_at: 'beginning' | 'end';        // where to begin when no cursor is saved
}

export interface ProbeConfig {
  name: string;
  url: string;
  interval: number;                     // ms
  timeout: number;                      // ms
}

export interface HostMetricsConfig { interval: number }
export interface DockerConfig { socket: string; interval: number }

export interface AgentConfig {
  files: FileEntry[];
  journal: JournalEntry[];
  outbox: { max_bytes: number };
  metrics: { host?: HostMetricsConfig; docker?: DockerConfig };
  probes: ProbeConfig[];
}

/** Bad usage or a broken config: the CLI prints the message on one line and exits 2. */
export class UsageError extends Error {
  constructor(message: string) { super(message); this.name = 'UsageError'; }
}
