/**
 * Where a connection came from: sets `source.address` to the address as written and
 * `source.ip` when it is an IPv4 or IPv6 address (brackets and `%zone` stripped; a
 * `::ffff:`-mapped IPv4 is normalised to the IPv4 in both fields). Host names stay in
 * `source.address` only.
 */
import type { EcsFields } from '../model.js';

export function isIPv4(s: string): boolean {
  let parts = 0, n = 0, len = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i === s.length ? 46 : s.charCodeAt(i);
    if (c === 46) {
      if (len === 0 || n > 255) return false;
      parts++; n = 0; len = 0;
    } else if (c >= 48 && c <= 57 && len < 3) {
      n = n * 10 + (c - 48); len++;
    } else return false;
  }
  return parts === 4;
}

export function isIPv6(s: string): boolean {
  if (s.length < 2 || s.indexOf(':') < 0) return false;
  let groups = 0, run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 58) { groups++; run = 0; continue; }
    if (c === 46) return isIPv4(s.slice(s.lastIndexOf(':') + 1));
    const hex = (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
    if (!hex || ++run > 4) return false;
  }
  return groups >= 2 && groups <= 7;
}

/** The IP inside an address token, normalised, or undefined for a host name. */
export function normaliseIp(raw: string): string | undefined {
  let a = raw;
  if (a.charCodeAt(0) === 91 && a.endsWith(']')) a = a.slice(1, -1);
  const pct = a.indexOf('%');
  if (pct > 0) a = a.slice(0, pct);
  if (isIPv4(a)) return a;
  if (!isIPv6(a)) return undefined;
  const low = a.toLowerCase();
  if (low.startsWith('::ffff:')) {
    const tail = low.slice(7);
    if (isIPv4(tail)) return tail;
  }
  return low;
}

/** Sets source.address (and source.ip for IPs) on `out` from an address token. */
export function setSource(out: EcsFields, raw: string): void {
  if (!raw || raw === 'UNKNOWN' || raw === 'unknown') return;
  const ip = normaliseIp(raw);
  // An IPv4 written as `::ffff:a.b.c.d` (or bracketed) is that IPv4 in both fields.
  out['source.address'] = ip !== undefined && ip.length !== raw.length && ip.indexOf(':') < 0 ? ip : raw;
  if (ip) out['source.ip'] = ip;
}
