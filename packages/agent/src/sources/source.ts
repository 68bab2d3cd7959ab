/**
 * The one interface every agent source implements (files, journal, host metrics, docker,
 * probes). A source never sees the network: it hands events to its context, which writes
 * them to the durable outbox together with the source's checkpoints in one transaction.
 */
import type { Event, Logger } from '@vigil/proto';

export interface SourceContext {
  /**
   * Durably appends events to the outbox and, in the same transaction, sets (string) or
   * deletes (null) the given checkpoints. Synchronous: when it returns, both are on disk.
   */
  emit(events: Event[], checkpoints?: Record<string, string | null>): void;
  /** Reads one checkpoint saved by an earlier emit (also across restarts). */
  checkpoint(key: string): string | undefined;
  /** All checkpoints whose key starts with prefix. */
  checkpoints(prefix: string): Array<[key: string, value: string]>;
  /** Resolves when the outbox has room again (backpressure); immediate when it has. */
  room(): Promise<void>;
  log: Logger;
  /** Aborted when the agent stops. */
  signal: AbortSignal;
}

export interface Source {
  /** e.g. "file:/var/log/auth.log", "journal", "host-metrics", "docker", "probe:app". */
  readonly name: string;
  /** Starts producing; resolves once running (not when done). */
  start(ctx: SourceContext): Promise<void>;
  /** Stops and releases everything (watchers, timers, child processes). */
  stop(): Promise<void>;
}
