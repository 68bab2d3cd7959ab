/**
 * The decoder for `--type backup` and `deployment` streams: JSON and logfmt status records
 * (status.ts), then the native tool lines of ruleset/decoders (pgBackRest, Barman, restic,
 * borg, kubectl), tried on the whole line and, for syslog-prefixed lines, on the message.
 * A run's end inherits backup.job/kind from its begin line (pgBackRest logs them once).
 */
import type { EcsFields } from '../model.js';
import type { DecodeMeta, StreamDecoder } from './types.js';
import { applyPattern } from './fields.js';
import { isoTime, stripEol, unparsed } from './event.js';
import { parseJsonObject, parseLogfmt, recordTime } from './kv.js';
import { PrefixParser, type SyslogPrefix } from './prefix.js';
import { firstMatch } from './ruleset.js';
import type { CompiledRuleset } from './types.js';
import { backupRecord, deploymentRecord } from './status.js';
import { programBase } from './syslog-decoder.js';

const KIND: Record<string, string> = { incr: 'incremental', diff: 'incremental', differential: 'incremental' };

export class StatusDecoder implements StreamDecoder {
  private readonly parser = new PrefixParser();
  private readonly pre: SyslogPrefix = { tsMs: NaN, host: '', program: '', pid: NaN, msg: '', matched: false };
  /** Last begin line's job/kind per decoder file and command. */
  private readonly runs = new Map<string, { job?: unknown; kind?: unknown }>();

  constructor(private readonly rs: CompiledRuleset, private readonly kind: 'backup' | 'deployment') {}

  decode(text: string, meta: DecodeMeta): EcsFields {
    const line = stripEol(text);
    try {
      const whole = this.body(line, line, meta.readTimeMs, '');
      if (whole) return whole.out;
      this.parser.parse(line, meta.readTimeMs, this.pre);
      const p = this.pre;
      if (p.matched) {
        const inner = this.body(p.msg, p.msg, meta.readTimeMs, programBase(p.program));
        if (inner) {
          const ev = inner.out;
          if (Number.isFinite(p.tsMs) && !inner.timed) ev['@timestamp'] = isoTime(p.tsMs, meta.readTimeMs);
          if (p.host) ev['host.name'] ??= p.host;
          if (p.program) ev['process.name'] ??= programBase(p.program);
          if (p.pid === p.pid) ev['process.pid'] ??= p.pid;
          return ev;
        }
      }
      return unparsed(line, meta.readTimeMs);
    } catch (err) {
      const ev = unparsed(line, meta.readTimeMs);
      ev['vigil.error'] = (err as Error).message;
      return ev;
    }
  }

  /** Fields for one body (a whole line or a syslog message), or undefined if not understood. */
  private body(body: string, message: string, readTimeMs: number, program: string): { out: EcsFields; timed: boolean } | undefined {
    const out: EcsFields = { '@timestamp': '', message, 'event.kind': 'event' };
    const c = body.charCodeAt(0);
    const rec = c === 123 ? parseJsonObject(body) : body.indexOf('=') > 0 ? parseLogfmt(body) : undefined;
    if (rec) {
      const ok = this.kind === 'backup' ? backupRecord(out, rec) : deploymentRecord(out, rec);
      if (ok) {
        const t = recordTime(rec);
        out['@timestamp'] = isoTime(t, readTimeMs);
        return { out, timed: Number.isFinite(t) };
      }
    }
    const list = program ? this.rs.byProgram.get(program.toLowerCase()) ?? this.rs.noProgram : this.rs.noProgram;
    const hit = firstMatch(list, body);
    if (!hit) return undefined;
    applyPattern(out, hit.p, hit.m);
    const timed = out['@timestamp'] !== '';
    if (!timed) out['@timestamp'] = isoTime(NaN, readTimeMs);
    if (this.kind === 'backup') this.inheritRun(out, hit.p.id);
    return { out, timed };
  }

  private inheritRun(out: EcsFields, patternId: string): void {
    const cmd = out['vigil.command'];
    if (typeof out['backup.kind'] === 'string') out['backup.kind'] = KIND[out['backup.kind'] as string] ?? out['backup.kind'];
    if (cmd === undefined) return;
    if (cmd !== 'backup' && out['backup.kind'] === undefined) out['backup.kind'] = cmd;
    const key = `${patternId.slice(0, patternId.indexOf('/'))}\0${String(cmd)}`;
    if (out['event.action'] === 'started') {
      this.runs.set(key, { job: out['backup.job'], kind: out['backup.kind'] });
      if (this.runs.size > 256) this.runs.delete(this.runs.keys().next().value as string);
    } else {
      const run = this.runs.get(key);
      if (run) {
        if (out['backup.job'] === undefined && run.job !== undefined) out['backup.job'] = run.job;
        if (run.kind !== undefined) out['backup.kind'] = run.kind;
      }
      if (out['event.action'] === 'succeeded' || out['event.action'] === 'failed') this.runs.delete(key);
    }
  }
}
