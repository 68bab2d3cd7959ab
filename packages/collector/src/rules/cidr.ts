/**
 * IP addresses and CIDR ranges for filters and allowlists: parses IPv4 and IPv6 (IPv4 as
 * ::ffff:a.b.c.d, so '10.0.0.0/8' also matches '::ffff:10.1.2.3') into 16 bytes and tests
 * membership by prefix; IPv4 event addresses are tested as 32-bit numbers without parsing to
 * bytes. Other parsed event addresses are cached (bounded) since attackers repeat: a
 * process-wide cache of pure data (text -> bytes), no collector state.
 */
import { isIP } from 'node:net';

export interface Cidr {
  bytes: Uint8Array;
  prefix: number;
  /**
   * What the range holds of IPv4 (::ffff:a.b.c.d): null when nothing, else the address
   * bits `net` under `mask` (mask 0: every IPv4 address), for the fast IPv4 test.
   */
  v4: { net: number; mask: number } | null;
}

export function parseIp(text: string): Uint8Array | null {
  const kind = isIP(text);
  if (kind === 4) return v4(text, new Uint8Array(16));
  if (kind !== 6) return null;
  const out = new Uint8Array(16);
  let s = text.split('%')[0];
  const dot = s.lastIndexOf('.');
  let tail4: Uint8Array | null = null;
  if (dot >= 0) {
    const colon = s.lastIndexOf(':');
    tail4 = v4(s.slice(colon + 1), new Uint8Array(16));
    s = s.slice(0, colon + 1) + '0:0';
  }
  const [head, rest] = s.includes('::') ? s.split('::') : [s, null];
  const hs = head ? head.split(':') : [];
  const ts = rest ? rest.split(':') : [];
  const groups = rest === null ? hs : [...hs, ...Array(8 - hs.length - ts.length).fill('0'), ...ts];
  for (let i = 0; i < 8; i++) {
    const g = parseInt(groups[i] || '0', 16);
    out[i * 2] = g >> 8; out[i * 2 + 1] = g & 255;
  }
  if (tail4) out.set(tail4.subarray(12), 12);
  return out;
}

function v4(text: string, out: Uint8Array): Uint8Array {
  const p = text.split('.');
  out[10] = 255; out[11] = 255;
  for (let i = 0; i < 4; i++) out[12 + i] = Number(p[i]);
  return out;
}

/** '10.0.0.0/8', '2001:db8::/32' or a single address; null when malformed. */
export function parseCidr(text: string): Cidr | null {
  const [addr, len] = String(text).split('/');
  const bytes = parseIp(addr.trim());
  if (!bytes) return null;
  const v4only = isIP(addr.trim()) === 4;
  const max = v4only ? 32 : 128;
  const n = len === undefined ? max : Number(len);
  if (!Number.isInteger(n) || n < 0 || n > max) return null;
  const prefix = v4only ? n + 96 : n;
  return { bytes, prefix, v4: v4Part(bytes, prefix) };
}

const MAPPED = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255];

function v4Part(bytes: Uint8Array, prefix: number): { net: number; mask: number } | null {
  const bits = Math.min(prefix, 96);
  for (let i = 0; i < bits >> 3; i++) if (bytes[i] !== MAPPED[i]) return null;
  const rest = bits & 7;
  if (rest) {
    const m = (0xff << (8 - rest)) & 0xff;
    if ((bytes[bits >> 3] & m) !== (MAPPED[bits >> 3] & m)) return null;
  }
  if (prefix <= 96) return { net: 0, mask: 0 };
  const mask = prefix === 128 ? 0xffffffff : (~(0xffffffff >>> (prefix - 96))) >>> 0;
  const addr = ((bytes[12] << 24) | (bytes[13] << 16) | (bytes[14] << 8) | bytes[15]) >>> 0;
  return { net: (addr & mask) >>> 0, mask };
}

/** A dotted-quad IPv4 address (no leading zeros, as isIP) as a 32-bit number, or -1. */
function ipv4Number(t: string): number {
  let n = 0, part = 0, len = 0, dots = 0;
  for (let i = 0; i <= t.length; i++) {
    const c = i === t.length ? 46 : t.charCodeAt(i);
    if (c === 46) {
      if (len === 0 || part > 255) return -1;
      n = n * 256 + part;
      if (++dots > 4) return -1;
      part = 0; len = 0;
    } else if (c >= 48 && c <= 57) {
      if (len === 1 && part === 0) return -1; // leading zero
      part = part * 10 + (c - 48);
      if (++len > 3) return -1;
    } else return -1;
  }
  return dots === 4 ? n : -1;
}

export function inCidr(ip: Uint8Array, c: Cidr): boolean {
  const full = c.prefix >> 3;
  for (let i = 0; i < full; i++) if (ip[i] !== c.bytes[i]) return false;
  const bits = c.prefix & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (ip[full] & mask) === (c.bytes[full] & mask);
}

const cache = new Map<string, Uint8Array | null>();

/** parseIp with a bounded cache, for addresses read from events. */
export function eventIp(text: string): Uint8Array | null {
  let v = cache.get(text);
  if (v === undefined) {
    if (cache.size >= 10_000) cache.clear();
    v = parseIp(text);
    cache.set(text, v);
  }
  return v;
}

export function matchesAny(text: string, cidrs: Cidr[]): boolean {
  const n = ipv4Number(text);
  if (n >= 0) {
    for (let i = 0; i < cidrs.length; i++) {
      const v4 = cidrs[i].v4;
      if (v4 !== null && ((n & v4.mask) >>> 0) === v4.net) return true;
    }
    return false;
  }
  const ip = eventIp(text);
  if (!ip) return false;
  for (const c of cidrs) if (inCidr(ip, c)) return true;
  return false;
}
