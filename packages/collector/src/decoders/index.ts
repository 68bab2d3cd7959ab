/**
 * Decoders turn one raw log line of a given type into ECS fields. A StreamDecoder is
 * stateful per stream (one agent's one file or journal), so that lines without an
 * address can inherit it from their sshd connection's earlier lines.
 * TEMPORARY STUB: the detection work replaces the body of createDecoder; the interface stays.
 */
import type { EcsFields } from '../model.js';

export interface DecodeMeta {
  /** When the agent read the line (ms): the reference for year-less syslog timestamps. */
  readTimeMs: number;
  agent?: string;
  path?: string;
  offset?: number;
  /** Source fields, e.g. journal fields (_HOSTNAME, _PID, SYSLOG_IDENTIFIER). */
  fields?: Record<string, string>;
}

export interface StreamDecoder {
  /**
   * Always returns fields, never throws: at least '@timestamp' (RFC 3339), 'message' and
   * 'event.kind'. A line nothing understands gets 'event.kind': 'event' and
   * 'vigil.unparsed': true.
   */
  decode(text: string, meta: DecodeMeta): EcsFields;
}

export const LOG_TYPES = ['auth', 'syslog', 'backup', 'deployment', 'docker-events', 'json'] as const;

export function createDecoder(_type: string): StreamDecoder {
  return {
    decode(text, meta) {
      return { '@timestamp': new Date(meta.readTimeMs).toISOString(), message: text, 'event.kind': 'event', 'vigil.unparsed': true };
    },
  };
}
