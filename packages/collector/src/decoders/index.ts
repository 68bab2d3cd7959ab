/**
 * Decoders turn one raw log line of a given type into ECS fields. A StreamDecoder is
 * stateful per stream (one agent's one file or journal), so that lines without an
 * address can inherit it from their sshd connection's earlier lines. The patterns are
 * data (ruleset/decoders/*.yaml, compiled once per folder); this module picks the decoder.
 */
import { join } from 'node:path';
import { RULESET_DIR } from '../paths.js';
import { DockerEventsDecoder } from './docker-events.js';
import { JsonDecoder } from './json-decoder.js';
import { loadRuleset } from './ruleset.js';
import { StatusDecoder } from './status-decoder.js';
import { SyslogDecoder } from './syslog-decoder.js';
import type { StreamDecoder } from './types.js';

export type { DecodeMeta, StreamDecoder } from './types.js';

export const LOG_TYPES = ['auth', 'syslog', 'backup', 'deployment', 'docker-events', 'json'] as const;
export type LogType = (typeof LOG_TYPES)[number];

/**
 * A fresh stateful decoder for one stream of `type`. Throws (once, here) on an unknown
 * type or a broken decoder file in rulesetDir (a RulesetError naming the file).
 */
export function createDecoder(type: string, rulesetDir: string = join(RULESET_DIR, 'decoders')): StreamDecoder {
  switch (type) {
    case 'auth':
    case 'syslog':
      return new SyslogDecoder(loadRuleset(rulesetDir, type), type);
    case 'backup':
    case 'deployment':
      return new StatusDecoder(loadRuleset(rulesetDir, type), type);
    case 'docker-events':
      return new DockerEventsDecoder();
    case 'json':
      return new JsonDecoder();
    default:
      throw new Error(`unknown log type '${type}' (expected one of ${LOG_TYPES.join(', ')})`);
  }
}
