/**
 * The config's `feed` section: entries kept for resuming clients, heartbeat period and
 * stall limit. Read by the config validator (config/sections.ts) and the feed module.
 */
import { ConfigError, object, optional, timer } from '@vigil/proto';

export const feedSection = object({
  keep: optional((v: unknown, path: string) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 100) throw new ConfigError(path, 'expected an integer >= 100');
    return v;
  }, 10_000),
  heartbeat: optional(timer(), 15_000),
  stall: optional(timer(), 30_000),
});
