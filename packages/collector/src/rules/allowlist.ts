/**
 * Allowlists: addresses/CIDRs (tested against source.ip, and source.address for
 * hostnames), user names (user.name) and hosts (host.name, agent.name). A rule's own list
 * and the collector's global list are merged; an allowlisted event never reaches a rule's
 * buckets. The default global list holds loopback, so the monitoring host cannot
 * brute-force itself into a P1; `rules.allowlist` in the collector config replaces it.
 */
import { matchesAny, parseCidr, type Cidr } from './cidr.js';
import type { EcsFields } from '../model.js';

export interface AllowlistSpec { addresses: string[]; users: string[]; hosts: string[] }

export const DEFAULT_GLOBAL_ALLOWLIST: AllowlistSpec = { addresses: ['127.0.0.0/8', '::1'], users: [], hosts: [] };

export type Allowlist = (f: EcsFields) => boolean;

export class AllowlistError extends Error {
  constructor(readonly path: string, readonly detail: string) { super(`${path}: ${detail}`); }
}

export function compileAllowlist(...specs: AllowlistSpec[]): Allowlist {
  const cidrs: Cidr[] = [];
  const names = new Set<string>();
  const users = new Set<string>();
  const hosts = new Set<string>();
  for (const s of specs) {
    for (const a of s.addresses) {
      const c = parseCidr(a);
      if (c) cidrs.push(c); else names.add(a.toLowerCase());
    }
    for (const u of s.users) users.add(u);
    for (const h of s.hosts) hosts.add(h.toLowerCase());
  }
  if (!cidrs.length && !names.size && !users.size && !hosts.size) return () => false;
  // Several rules test the same event in a row: remember the last answer.
  let lastF: EcsFields | null = null;
  let lastR = false;
  const test = (f: EcsFields): boolean => {
    const ip = f['source.ip'];
    if (cidrs.length && typeof ip === 'string' && matchesAny(ip, cidrs)) return true;
    const addr = f['source.address'];
    if (typeof addr === 'string') {
      if (names.size && names.has(addr.toLowerCase())) return true;
      if (cidrs.length && addr !== ip && matchesAny(addr, cidrs)) return true;
    }
    if (users.size && typeof f['user.name'] === 'string' && users.has(f['user.name'] as string)) return true;
    if (hosts.size) {
      const h = f['host.name'], a = f['agent.name'];
      if (typeof h === 'string' && hosts.has(h.toLowerCase())) return true;
      if (typeof a === 'string' && hosts.has(a.toLowerCase())) return true;
    }
    return false;
  };
  return (f) => {
    if (f !== lastF) { lastF = f; lastR = test(f); }
    return lastR;
  };
}

/** Validates an allowlist section from YAML; `where` names it in errors. */
export function parseAllowlist(v: unknown, where: string): AllowlistSpec {
  const out: AllowlistSpec = { addresses: [], users: [], hosts: [] };
  if (v === undefined || v === null) return out;
  if (typeof v !== 'object' || Array.isArray(v)) throw new AllowlistError(where, 'expected a map with addresses, users, hosts');
  for (const [k, list] of Object.entries(v as Record<string, unknown>)) {
    if (k !== 'addresses' && k !== 'users' && k !== 'hosts') throw new AllowlistError(`${where}.${k}`, 'unknown key (use addresses, users, hosts)');
    if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) throw new AllowlistError(`${where}.${k}`, 'expected a list of strings');
    out[k] = list as string[];
  }
  return out;
}
