/**
 * Structured line bodies: logfmt (`key=value key="quoted \"value\""`) into a flat record,
 * JSON objects flattened to dotted keys (arrays kept), and event times taken from the
 * usual keys (`@timestamp`, `time`, `timestamp`, `ts`: RFC 3339 or epoch s/ms/ns).
 */
import { parseIso } from './time.js';

/** Parses a logfmt line, or returns undefined if it is not one (needs at least one key=). */
export function parseLogfmt(s: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let i = 0, keys = 0;
  const n = s.length;
  while (i < n) {
    while (i < n && s.charCodeAt(i) === 32) i++;
    if (i >= n) break;
    const k0 = i;
    while (i < n && s[i] !== '=' && s[i] !== ' ') i++;
    const key = s.slice(k0, i);
    if (s[i] !== '=' || key === '') return undefined;
    i++;
    let val = '';
    if (s[i] === '"') {
      i++;
      let buf = '';
      while (i < n && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < n) { i++; buf += s[i] === 'n' ? '\n' : s[i] === 't' ? '\t' : s[i]; }
        else buf += s[i];
        i++;
      }
      if (i >= n) return undefined; // unterminated quote
      i++;
      val = buf;
    } else {
      const v0 = i;
      while (i < n && s.charCodeAt(i) !== 32) i++;
      val = s.slice(v0, i);
    }
    out[key] = val;
    keys++;
  }
  return keys > 0 ? out : undefined;
}

/** Parses a JSON object line, or undefined (never throws). */
export function parseJsonObject(s: string, reviver?: (key: string, value: unknown) => unknown): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(s, reviver);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Nested objects become dotted keys; arrays and scalars are kept as they are. */
export function flatten(obj: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}, depth = 0): Record<string, unknown> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && depth < 16) flatten(v as Record<string, unknown>, key, out, depth + 1);
    else out[key] = v;
  }
  return out;
}

/** Epoch ms from an RFC 3339 string or an epoch number (s, ms or ns by magnitude). */
export function timeValue(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) {
    if (v > 1e17) return Math.floor(v / 1e6);
    if (v > 1e14) return Math.floor(v / 1e3);
    if (v > 1e11) return v;
    return v * 1000;
  }
  if (typeof v === 'string') {
    const st = parseIso(v.trim());
    if (st) return st.ms;
    if (/^\d+(\.\d+)?$/.test(v)) return timeValue(Number(v));
  }
  return NaN;
}

const TIME_KEYS = ['@timestamp', 'time', 'timestamp', 'ts'];

export function recordTime(rec: Record<string, unknown>): number {
  for (const k of TIME_KEYS) {
    if (rec[k] !== undefined) {
      const t = timeValue(rec[k]);
      if (Number.isFinite(t)) return t;
    }
  }
  return NaN;
}
