/**
 * Builds the agent's sources from its config. Heavy or separately written sources (file,
 * host metrics, docker) are imported lazily, only when their section is present; a module
 * that is missing or fails to load logs one warning and the other sources still run.
 */
import type { Logger } from '@vigil/proto';
import type { AgentConfig, DockerConfig, FileEntry, HostMetricsConfig } from '../config/types.js';
import { createJournalSource } from './journal/index.js';
import { createProbeSource } from './probe/index.js';
import type { Source } from './source.js';

export interface SourceLoadOptions {
  /** journalctl binary override (tests; env VIGIL_JOURNALCTL in the CLI). */
  journalctl?: string;
}

async function lazy<T>(rel: string, exportName: string, what: string, log: Logger): Promise<T | undefined> {
  try {
    const mod = await import(new URL(rel, import.meta.url).href) as Record<string, unknown>;
    const f = mod[exportName];
    if (typeof f !== 'function') throw new Error(`${rel} does not export ${exportName}()`);
    return f as T;
  } catch (err) {
    log.warn(`${what} unavailable: its module failed to load; other sources keep running`, { module: rel, error: (err as Error).message });
    return undefined;
  }
}

export async function loadSources(cfg: AgentConfig, log: Logger, opts: SourceLoadOptions = {}): Promise<Source[]> {
  const sources: Source[] = [];
  if (cfg.files.length > 0) {
    const create = await lazy<(e: FileEntry[], o?: Record<string, unknown>) => Source>('./file/index.js', 'createFileSource', 'file source', log);
    if (create) sources.push(create(cfg.files, { startedAtMs: performance.timeOrigin }));
  }
  cfg.journal.forEach((entry, i) => sources.push(createJournalSource(entry, i, { bin: opts.journalctl })));
  if (cfg.metrics.host) {
    const create = await lazy<(c: HostMetricsConfig) => Source>('./host/index.js', 'createHostMetricsSource', 'host metrics source', log);
    if (create) sources.push(create(cfg.metrics.host));
  }
  if (cfg.metrics.docker) {
    const create = await lazy<(c: DockerConfig) => Source>('./docker/index.js', 'createDockerSource', 'docker source', log);
    if (create) sources.push(create(cfg.metrics.docker));
  }
  if (cfg.probes.length > 0) sources.push(createProbeSource(cfg.probes));
  return sources;
}
