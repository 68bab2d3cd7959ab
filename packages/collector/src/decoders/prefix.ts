/**
 * The syslog prefix, parsed by hand (no regex on the hot path): RFC 3164 with or without a
 * host (with a `.micros` fraction, as journalctl's short-precise, or a year after the
 * day, as syslog-ng's `$YEAR` templates), RFC 5424 with
 * structured data, ISO 8601 stamps (`T` or space, offsets, double spaces), an optional
 * `<PRI>`, program tags `prog[pid]:` / `prog:` / `sshd(pam_unix)[pid]:`, Solaris
 * `[ID 800047 auth.info]` and kernel `[  518.05] ` stamps. One PrefixParser per stream.
 */
import { digits, fraction, FUTURE_SKEW_MS, monthIndex, parseIso } from './time.js';

export interface SyslogPrefix {
  /** Event time in epoch ms, or NaN when the line carries no stamp. */
  tsMs: number;
  host: string;
  /** Program tag as written (`sshd`, `sshd(pam_unix)`, `kernel`), '' when none. */
  program: string;
  pid: number;
  /** The free text after the prefix. */
  msg: string;
  /** True when anything prefix-like was recognised (stamp or tag). */
  matched: boolean;
}

export class PrefixParser {
  private lastKey = '';
  private lastRead = NaN;
  private lastMs = 0;
  private lastPrevMs = 0;

  /** Parses `s` into `out` (reused object; no allocation but the strings). */
  parse(s: string, readTimeMs: number, out: SyslogPrefix): void {
    out.tsMs = NaN; out.host = ''; out.program = ''; out.pid = NaN; out.msg = s; out.matched = false;
    let i = 0;
    if (s.charCodeAt(0) === 60 /* < */) {
      const gt = s.indexOf('>', 1);
      if (gt > 1 && gt <= 4 && digits(s, 1, gt - 1) >= 0) {
        i = gt + 1;
        if (s[i] === '1' && s[i + 1] === ' ') { this.parse5424(s, i + 2, out); return; }
      }
    }
    let j = i;
    const c0 = s.charCodeAt(i);
    if (c0 >= 65 && c0 <= 90 && s.charCodeAt(i + 3) === 32) {
      j = this.stamp3164(s, i, readTimeMs, out);
      if (j < 0) return;
    } else if (c0 >= 48 && c0 <= 57) {
      const st = parseIso(s, i);
      if (!st) return;
      out.tsMs = st.ms;
      j = st.end;
    }
    while (s.charCodeAt(j) === 32) j++;
    this.hostAndTag(s, j, out, j > i);
  }

  /** `Mmm dd HH:MM:SS[.frac]`; returns the index after it, or -1. */
  private stamp3164(s: string, i: number, readTimeMs: number, out: SyslogPrefix): number {
    if (s.charCodeAt(i + 6) !== 32) return -1;
    if (s.charCodeAt(i + 11) === 32 && s.charCodeAt(i + 14) === 58) return stampWithYear(s, i, out);
    if (s.charCodeAt(i + 9) !== 58 || s.charCodeAt(i + 12) !== 58) return -1;
    let j = i + 15;
    let frac = 0;
    if (s.charCodeAt(j) === 46) { const f = fraction(s, j); frac = f.ms; j = f.end; }
    const hh = digits(s, i + 7, 2), mm = digits(s, i + 10, 2), ss = digits(s, i + 13, 2);
    if (hh < 0 || mm < 0 || ss < 0 || hh > 23 || mm > 59 || ss > 60) return -1;
    // The day's start is cached (year inference is per day); the time of day is added.
    if (!sameDay(s, i, this.lastKey) || readTimeMs !== this.lastRead) {
      const key = s.slice(i, i + 6);
      const mon = monthIndex(s.slice(i, i + 3));
      const day = s.charCodeAt(i + 4) === 32 ? digits(s, i + 5, 1) : digits(s, i + 4, 2);
      if (mon < 0 || day < 1 || day > 31) return -1;
      const year = new Date(readTimeMs).getUTCFullYear();
      this.lastKey = key; this.lastRead = readTimeMs;
      this.lastMs = Date.UTC(year, mon, day);
      this.lastPrevMs = Date.UTC(year - 1, mon, day);
    }
    // Same rule as yearlessToMs: this year's date unless beyond the read time + 1 day.
    const sod = (hh * 3600 + mm * 60 + ss) * 1000;
    let ms = this.lastMs + sod;
    if (ms > readTimeMs + FUTURE_SKEW_MS) ms = this.lastPrevMs + sod;
    out.tsMs = ms + frac;
    return j;
  }

  /** After the stamp: `host tag: msg`, host-less `tag: msg`, or `host msg`. */
  private hostAndTag(s: string, j: number, out: SyslogPrefix, stamped: boolean): void {
    let sp = s.indexOf(' ', j);
    if (sp < 0) sp = s.length;
    if (!stamped) {
      // Without a stamp only `name[pid]:` is taken as a tag (`word:` is too common in text).
      if (!isTag(s, j, sp) || s.charCodeAt(sp - 2) !== 93) return;
    } else if (!isTag(s, j, sp)) {
      out.host = s.slice(j, sp);
      out.matched = true;
      j = sp;
      while (s.charCodeAt(j) === 32) j++;
      sp = s.indexOf(' ', j);
      if (sp < 0) sp = s.length;
      if (!isTag(s, j, sp)) { out.msg = s.slice(j); return; }
    }
    out.matched = true;
    this.tag(s, j, sp - 1, out);
    let m = sp + 1;
    if (s.charCodeAt(m) === 91 /* [ */) m = skipBracketNoise(s, m);
    out.msg = m === 0 ? s : s.slice(m);
  }

  /** `name[pid]` or `name` in s[j..colon). */
  private tag(s: string, j: number, colon: number, out: SyslogPrefix): void {
    const lb = s.lastIndexOf('[', colon);
    if (lb > j && s.charCodeAt(colon - 1) === 93) {
      out.program = s.slice(j, lb);
      const pid = digits(s, lb + 1, colon - 2 - lb);
      out.pid = pid >= 0 && colon - 2 - lb > 0 ? pid : NaN;
    } else {
      out.program = s.slice(j, colon);
    }
  }

  /** RFC 5424 after `<PRI>1 `: STAMP HOST APP PROCID MSGID SD MSG (`-` is nil). */
  private parse5424(s: string, i: number, out: SyslogPrefix): void {
    const fields: string[] = [];
    let j = i;
    for (let n = 0; n < 5; n++) {
      let sp = s.indexOf(' ', j);
      if (sp < 0) sp = s.length;
      fields.push(s.slice(j, sp));
      j = sp + 1;
    }
    const st = parseIso(fields[0]);
    if (st) out.tsMs = st.ms;
    out.host = fields[1] === '-' ? '' : fields[1];
    out.program = fields[2] === '-' ? '' : fields[2];
    const pid = fields[3] === '-' ? -1 : digits(fields[3], 0, fields[3].length);
    out.pid = pid >= 0 && fields[3].length > 0 ? pid : NaN;
    out.matched = true;
    if (s[j] === '-') j += 2;
    else while (s[j] === '[') j = skipStructured(s, j) + 1;
    while (s.charCodeAt(j) === 32) j++;
    if (s.charCodeAt(j) === 0xfeff) j++;
    out.msg = j >= s.length ? '' : s.slice(j);
  }
}

/** `Mmm dd YYYY HH:MM:SS[.frac]` (syslog-ng `$YEAR` templates, network gear): the year is
 * written, so no inference. Returns the index after it, or -1. */
function stampWithYear(s: string, i: number, out: SyslogPrefix): number {
  const mon = monthIndex(s.slice(i, i + 3));
  const day = s.charCodeAt(i + 4) === 32 ? digits(s, i + 5, 1) : digits(s, i + 4, 2);
  const year = digits(s, i + 7, 4);
  const hh = digits(s, i + 12, 2), mm = digits(s, i + 15, 2), ss = digits(s, i + 18, 2);
  if (mon < 0 || day < 1 || day > 31 || year < 0 || s.charCodeAt(i + 17) !== 58) return -1;
  if (hh < 0 || mm < 0 || ss < 0 || hh > 23 || mm > 59 || ss > 60) return -1;
  let j = i + 20;
  let frac = 0;
  if (s.charCodeAt(j) === 46) { const f = fraction(s, j); frac = f.ms; j = f.end; }
  out.tsMs = Date.UTC(year, mon, day, hh, mm, ss) + frac;
  return j;
}

/** Does s[i..i+6) (`Mmm dd`) equal `day`? */
function sameDay(s: string, i: number, day: string): boolean {
  if (day.length !== 6) return false;
  for (let k = 0; k < 6; k++) if (s.charCodeAt(i + k) !== day.charCodeAt(k)) return false;
  return true;
}

/** Is s[j..sp) a program tag: ends with ':' and is `name`, `name[pid]` or `name(x)[pid]`. */
function isTag(s: string, j: number, sp: number): boolean {
  if (sp - j < 2 || s.charCodeAt(sp - 1) !== 58) return false;
  const c = s.charCodeAt(j);
  return c !== 91 && c !== 60; // not `[`, not `<`
}

/** Solaris `[ID 800047 auth.info] ` and kernel `[  518.050606] `: returns the index after. */
function skipBracketNoise(s: string, m: number): number {
  const rb = s.indexOf('] ', m);
  if (rb < 0 || rb - m > 40) return m;
  if (s.startsWith('[ID ', m)) return rb + 2;
  for (let k = m + 1; k < rb; k++) {
    const c = s.charCodeAt(k);
    if (c !== 32 && c !== 46 && (c < 48 || c > 57)) return m;
  }
  return rb + 2;
}

/** One `[id key="v" ...]` element of RFC 5424 structured data; returns the index of its `]`. */
function skipStructured(s: string, j: number): number {
  let inQuote = false;
  for (let k = j + 1; k < s.length; k++) {
    const c = s[k];
    if (c === '\\') { k++; continue; }
    if (c === '"') inQuote = !inQuote;
    else if (c === ']' && !inQuote) return k;
  }
  return s.length;
}
