/**
 * The decoders' shared types, imported by every decoder file and never importing one:
 * what a stream decoder is (DecodeMeta, StreamDecoder) and what a compiled decoder
 * pattern looks like (CompiledPattern, CompiledRuleset, its writer, coercions and sshd
 * role). Kept apart so that index.ts, ruleset.ts and the decoders form no import cycle.
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

/** How a capture is written: 0 ignored, 1 text, 2 address, 3 time, 4 number, 5 size, 6 duration. */
export type Coercion = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/** Where the last writer put the connection source (read by sshd connection accounting). */
export interface SourceScratch { ip: string | undefined; address: string | undefined; port: number | undefined }

export type Writer = (out: EcsFields, m: RegExpExecArray, src: SourceScratch) => void;

/** How a line counts for sshd connection accounting (see ruleset/decoders/README.md). */
export type SshRole = 'attempt' | 'probe' | 'announce' | 'echo' | 'restate' | 'close';

export interface CompiledPattern {
  /** `<file name>/<pattern id>`, written to vigil.decoder. */
  id: string;
  starts: string[];
  contains: string[];
  regex: RegExp;
  /** ECS key for capture group k+1, or '' to ignore it. */
  keys: string[];
  /** How each capture is written (parallel to keys; 0 = ignored). */
  coerce: Coercion[];
  fields: Array<[string, unknown]>;
  /** The constant fields again, as parallel arrays (the hot path's form). */
  fieldKeys: string[];
  fieldValues: unknown[];
  /** Char codes a matching text can start with, or null when any. */
  first: Set<number> | null;
  /**
   * event.outcome is the constant 'failure' (true), another constant or absent (false),
   * or captured (null: read the event); likewise `auth` for event.category holding
   * 'authentication'. Lets the decoder skip reading these back from the event.
   */
  failure: boolean | null;
  auth: boolean | null;
  /**
   * `trace: true`: a line that is not a failure (PAM's copy of one) but may be its local
   * group's only trace of it, so non-sshd accounting still counts it (1 when alone).
   */
  trace: boolean;
  /** Writes the constant fields and the coerced captures of a match into an event. */
  write: Writer;
  ssh?: SshRole;
}

export interface CompiledRuleset {
  byProgram: Map<string, CompiledPattern[]>;
  /** Patterns tried after the program's own, for every program. */
  anyProgram: CompiledPattern[];
  /** Patterns for lines with no program tag (or no syslog prefix at all). */
  noProgram: CompiledPattern[];
}
