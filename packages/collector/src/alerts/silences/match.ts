/**
 * Silence matchers: which alerts a silence covers. Every matcher given must match
 * (AND): `rule.id` exactly, `source.ip` as an address or CIDR (IPv4/IPv6, via
 * net.BlockList), `user.name` and `host.name` against the alert's group, `agent` against
 * its agent name. Values are compared as plain strings, never as patterns.
 */
import { BlockList, isIP } from 'node:net';

export const MATCHER_KEYS = ['rule.id', 'source.ip', 'user.name', 'host.name', 'agent'] as const;
export type MatcherKey = (typeof MATCHER_KEYS)[number];
export type Matchers = Partial<Record<MatcherKey, string>>;

/** What a silence looks at: an alert, or an engine update before it is stored. */
export interface AlertSubject { 'rule.id': string; group: Record<string, string>; 'agent.name'?: string }

export class MatcherError extends Error {
  constructor(readonly parameter: string, message: string) { super(message); }
}

/** Validates a request's matchers object; throws MatcherError naming the bad key. */
export function parseMatchers(raw: unknown): Matchers {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new MatcherError('matchers', 'matchers must be an object');
  const out: Matchers = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!(MATCHER_KEYS as readonly string[]).includes(k)) {
      throw new MatcherError(`matchers.${k}`, `unknown matcher ${JSON.stringify(k)} (allowed: ${MATCHER_KEYS.join(', ')})`);
    }
    if (typeof v !== 'string' || v.length === 0 || v.length > 256) throw new MatcherError(`matchers.${k}`, `matchers.${k} must be a non-empty string`);
    if (k === 'source.ip' && !cidrOf(v)) throw new MatcherError('matchers.source.ip', 'matchers.source.ip must be an IP address or CIDR');
    out[k as MatcherKey] = v;
  }
  if (Object.keys(out).length === 0) throw new MatcherError('matchers', 'matchers needs at least one of ' + MATCHER_KEYS.join(', '));
  return out;
}

function cidrOf(v: string): { addr: string; prefix: number; type: 'ipv4' | 'ipv6' } | undefined {
  const [addr, bits, extra] = v.split('/');
  const fam = isIP(addr);
  if (!fam || extra !== undefined) return undefined;
  const max = fam === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return undefined;
  return { addr, prefix, type: fam === 4 ? 'ipv4' : 'ipv6' };
}

/** A compiled matcher set: a predicate over alerts. */
export function compileMatchers(m: Matchers): (a: AlertSubject) => boolean {
  let ips: BlockList | undefined;
  if (m['source.ip']) {
    const c = cidrOf(m['source.ip'])!;
    ips = new BlockList();
    ips.addSubnet(c.addr, c.prefix, c.type);
  }
  return (a) => {
    if (m['rule.id'] !== undefined && a['rule.id'] !== m['rule.id']) return false;
    if (m.agent !== undefined && a['agent.name'] !== m.agent) return false;
    if (m['user.name'] !== undefined && a.group['user.name'] !== m['user.name']) return false;
    if (m['host.name'] !== undefined && a.group['host.name'] !== m['host.name']) return false;
    if (ips) {
      const ip = a.group['source.ip'];
      const fam = ip ? isIP(ip) : 0;
      if (!fam || !ips.check(ip, fam === 4 ? 'ipv4' : 'ipv6')) return false;
    }
    return true;
  };
}
