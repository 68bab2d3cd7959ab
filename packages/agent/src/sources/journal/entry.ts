/**
 * Turns one `journalctl -o json` entry into a LogLine the collector's syslog-style
 * decoders understand: `<RFC 3339 UTC with microseconds> <_HOSTNAME> <SYSLOG_IDENTIFIER>[<_PID>]:
 * <MESSAGE>`. MESSAGE may arrive as a byte array (non-UTF-8 or binary) and is decoded;
 * embedded newlines are escaped as `#012` (as rsyslog does) so one entry stays one line.
 */
import { journalFieldText, type LogLine, type LogType } from '@vigil/proto';

export type JournalJson = Record<string, unknown>;

const KEPT_FIELDS = ['_HOSTNAME', '_PID', 'SYSLOG_IDENTIFIER', '_SYSTEMD_UNIT', '__CURSOR', 'SYSLOG_FACILITY', 'PRIORITY', '_COMM'];

/** A journal field as text (strings, numbers, byte arrays decoded as UTF-8). */
export const fieldText = journalFieldText;

/** RFC 3339 in UTC with microseconds from a microsecond epoch string. */
export function rfc3339Micros(usec: string | undefined, fallbackMs: number): string {
  let us: bigint;
  try { us = BigInt(usec ?? ''); } catch { us = BigInt(fallbackMs) * 1000n; }
  const ms = Number(us / 1000n);
  const micros = String(us % 1_000_000n).padStart(6, '0');
  return new Date(ms).toISOString().slice(0, 19) + '.' + micros + '+00:00';
}

function clean(s: string): string {
  return s.replace(/\r?\n/g, '#012').replace(/\r/g, '#015');
}

/** The LogLine for an entry, or undefined when it has no message at all. */
export function journalLine(entry: JournalJson, type: LogType, nowMs: number): LogLine | undefined {
  const message = fieldText(entry.MESSAGE);
  if (message === undefined) return undefined;
  const host = fieldText(entry._HOSTNAME) ?? 'localhost';
  const ident = fieldText(entry.SYSLOG_IDENTIFIER) ?? fieldText(entry._COMM) ?? 'unknown';
  const pid = fieldText(entry.SYSLOG_PID) ?? fieldText(entry._PID);
  const ts = rfc3339Micros(fieldText(entry.__REALTIME_TIMESTAMP), nowMs);
  const text = `${ts} ${clean(host)} ${clean(ident)}${pid ? `[${pid}]` : ''}: ${clean(message)}`;
  const fields: Record<string, string> = {};
  for (const k of KEPT_FIELDS) {
    const v = fieldText(entry[k]);
    if (v !== undefined) fields[k] = v;
  }
  return { type, path: 'journal', text, fields };
}
