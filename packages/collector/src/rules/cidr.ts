/**
 * IP addresses and CIDR ranges for filters and allowlists: parses IPv4 and IPv6 (IPv4 as
 * ::ffff:a.b.c.d, so '10.0.0.0/8' also matches '::ffff:10.1.2.3') into 16 bytes and tests
 * membership by prefix. Parsed event addresses are cached (bounded) since attackers repeat.
 */
import { isIP } from 'node:net';

export interface Cidr { bytes: Uint8Array; prefix: number }

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
  return { bytes, prefix: v4only ? n + 96 : n };
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
  const ip = eventIp(text);
  if (!ip) return false;
  for (const c of cidrs) if (inCidr(ip, c)) return true;
  return false;
}
