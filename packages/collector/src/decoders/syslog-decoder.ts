/**
 * The decoder for syslog-style streams (`--type auth` and `syslog`): parses the prefix by
 * hand, dispatches on the program name to that program's data patterns (then the patterns
 * for any program), unwraps `message repeated N times: [ ... ]`, and runs sshd connection
 * accounting (source inheritance, vigil.attempts). Journal entries use meta.fields, or their
 * own fields when the line is a `journalctl -o json` object. Pattern tables are a process-wide
 * cache of pure data per compiled pattern list; connection state is per decoder instance.
 */
import type { EcsFields } from '../model.js';
import type { DecodeMeta, StreamDecoder } from './types.js';
import type { SourceScratch } from './types.js';
import { isoTime, newEvent, stripEol, unparsed } from './event.js';
import { PrefixParser, type SyslogPrefix } from './prefix.js';
import { PatternTable } from './pattern-table.js';
import type { CompiledPattern, CompiledRuleset } from './types.js';
import { FailureGroups } from './failure-groups.js';
import { SshConnections, type ConnKey } from './ssh-state.js';
import { journalJsonFields } from './journal-json.js';
import { LocalKeys, MAX_KEY_PART } from './local-keys.js';

/** SSH servers whose lines are grouped per connection (host + pid): one process per connection. */
const SSHD = new Set(['sshd', 'sshd-session', 'sshd-auth', 'dropbear']);
const MAX_PROGRAMS = 1000;

function isAuth(cat: unknown): boolean {
  return Array.isArray(cat) && cat.includes('authentication');
}

/** What a program tag means, worked out once per tag. */
interface ProgramInfo { base: string; sshd: boolean; table: PatternTable }

/** One table per distinct pattern list (shared by every stream of a ruleset). */
const tables = new WeakMap<CompiledPattern[], PatternTable>();

function resetPrefix(p: SyslogPrefix, msg: string): void {
  p.tsMs = NaN; p.host = ''; p.program = ''; p.pid = NaN; p.msg = msg; p.matched = false;
}

/** `sshd(pam_unix)` → `sshd`, `/usr/sbin/sshd` → `sshd`. */
export function programBase(program: string): string {
  let p = program;
  const slash = p.lastIndexOf('/');
  if (slash >= 0) p = p.slice(slash + 1);
  const paren = p.indexOf('(');
  if (paren > 0) p = p.slice(0, paren);
  return p;
}

export class SyslogDecoder implements StreamDecoder {
  private readonly parser = new PrefixParser();
  private readonly pre: SyslogPrefix = { tsMs: NaN, host: '', program: '', pid: NaN, msg: '', matched: false };
  private readonly sshd = new SshConnections();
  private readonly local = new FailureGroups(1024);
  private readonly localKeys = new LocalKeys();
  private readonly programs = new Map<string, ProgramInfo>();
  private lastProgram: string | undefined;
  private lastInfo: ProgramInfo | undefined;
  /** The source the current line's pattern wrote (for connection accounting). */
  private readonly src: SourceScratch = { ip: undefined, address: undefined, port: undefined };
  /** The first host seen: its sshd connections are keyed by pid alone. */
  private mainHost: string | undefined;

  /** `type`: the stream's log type, written as vigil.type with the line's position. */
  constructor(private readonly rs: CompiledRuleset, private readonly type?: string) {}

  decode(text: string, meta: DecodeMeta): EcsFields {
    try {
      return this.decodeLine(stripEol(text), meta);
    } catch (err) {
      const ev = unparsed(text, meta.readTimeMs);
      ev['vigil.error'] = (err as Error).message;
      return ev;
    }
  }

  private decodeLine(line: string, meta: DecodeMeta): EcsFields {
    const p = this.pre;
    // A `journalctl -o json` line carries its fields itself; its MESSAGE has no prefix.
    const json = line.charCodeAt(0) === 123 ? journalJsonFields(line) : undefined;
    const jf = json ?? meta.fields;
    const text = json ? json.MESSAGE : line;
    if (json) resetPrefix(p, text);
    else this.parser.parse(line, meta.readTimeMs, p);
    let { msg, program, pid, host, tsMs } = p;
    let matched = p.matched;
    if (jf && Number.isNaN(tsMs) && (jf.SYSLOG_IDENTIFIER || jf._COMM)) {
      program = jf.SYSLOG_IDENTIFIER || jf._COMM;
      pid = Number(jf._PID ?? jf.SYSLOG_PID ?? NaN);
      host = jf._HOSTNAME ?? '';
      const us = Number(jf._SOURCE_REALTIME_TIMESTAMP ?? jf.__REALTIME_TIMESTAMP ?? NaN);
      tsMs = Math.floor(us / 1000);
      msg = text;
      matched = true;
    } else if (!matched && line.charCodeAt(0) === 91) {
      const rb = line.indexOf('] ');
      if (rb > 0 && rb < 40) msg = line.slice(rb + 2); // raw dmesg `[  518.05] ` / `[Thu Dec  7 ...] `
    }

    const out = newEvent(isoTime(tsMs, meta.readTimeMs), msg, 'event', meta.path, meta.offset, this.type);
    if (host) out['host.name'] = host;
    const info = this.programInfo(program);
    const base = info.base;
    if (base) out['process.name'] = base;
    if (base !== program) out['log.syslog.appname'] = program;
    if (pid === pid) out['process.pid'] = pid; // not NaN

    let body = msg;
    let repeat = 1;
    if (body.charCodeAt(0) === 109 /* m */ && body.startsWith('message repeated ')) {
      const n = parseInt(body.slice(17), 10);
      const lb = body.indexOf('[');
      const rb = body.lastIndexOf(']');
      if (n > 0 && lb > 0 && rb > lb) {
        repeat = n;
        out['vigil.repeat'] = n;
        body = body.slice(lb + 1, rb).trim();
      }
    }

    const table = info.table;
    const hit = table.match(body);
    const src = this.src;
    src.ip = undefined; src.address = undefined; src.port = undefined;
    if (hit !== null) hit.write(out, table.lastMatch!, src);
    else if (matched) out['vigil.decoder'] = 'syslog';
    else out['vigil.unparsed'] = true;

    const role = hit === null ? undefined : hit.ssh;
    const failure = hit === null ? false : hit.failure ?? out['event.outcome'] === 'failure';
    if (info.sshd) {
      if (this.mainHost === undefined) this.mainHost = host;
      const key: ConnKey = host === this.mainHost ? pid : `${host.slice(0, MAX_KEY_PART)}\0${pid}`;
      this.sshd.apply(key, out, src, role, repeat, tsMs);
    } else if (role !== undefined && (failure || hit!.trace)) {
      const n = Number(out['vigil.failures'] ?? repeat);
      this.local.apply(this.localKeys.key(host, base, pid, out['user.name']), out, role, n, tsMs, pid === pid);
    } else if (hit !== null && out['event.outcome'] === 'success' && out['user.name'] !== undefined) {
      this.local.close(this.localKeys.key(host, base, pid, out['user.name'])); // sudo's command, su's success
    }
    // Failures without connection accounting count their repeats.
    if (failure && role === undefined && (hit!.auth ?? isAuth(out['event.category']))) out['vigil.attempts'] = repeat;
    return out;
  }

  /** The tag's base name, whether it is sshd, and its patterns then the any-program ones. */
  private programInfo(program: string): ProgramInfo {
    if (program === this.lastProgram) return this.lastInfo!; // runs of one program are common
    let info = this.programs.get(program);
    if (info === undefined) info = this.newProgramInfo(program);
    this.lastProgram = program;
    this.lastInfo = info;
    return info;
  }

  private newProgramInfo(program: string): ProgramInfo {
    const base = program ? programBase(program) : '';
    const own = program === ''
      ? this.rs.noProgram
      : this.rs.byProgram.get(program.toLowerCase()) ?? this.rs.byProgram.get(base.toLowerCase()) ?? [];
    const keyList = own.length ? own : this.rs.anyProgram;
    let table = tables.get(keyList);
    if (table === undefined) {
      table = new PatternTable(own.length ? [...own, ...this.rs.anyProgram] : this.rs.anyProgram);
      tables.set(keyList, table);
    }
    const info: ProgramInfo = { base, sshd: SSHD.has(base), table };
    if (this.programs.size >= MAX_PROGRAMS) this.programs.clear();
    this.programs.set(program, info);
    return info;
  }
}
