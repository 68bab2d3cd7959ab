/**
 * The collector config's `connections:` section: caps on open sockets in total and per
 * source address (all of loopback is one address, IPv4 per `ipv4_prefix`, IPv6 per /64), the room kept
 * for WebSockets, on sockets that have not sent their request headers yet,
 * the header and keep-alive idle timeouts, and the addresses exempt from the per-address
 * caps (none by default: loopback is limited like any other address).
 */
import { ConfigError, durationFrom, integer, object, optional, string, type Validator } from '@vigil/proto';
import { parseCidr, type Cidr } from '../rules/cidr.js';

export interface ConnectionsConfig {
  max_total: number;
  max_per_address: number;
  /** Undefined: a quarter of max_total. */
  max_pending?: number;
  max_pending_per_address: number;
  header_timeout: number;
  idle_timeout: number;
  exempt: Cidr[];
  /** IPv4 addresses sharing this prefix are one address for the per-address caps. */
  ipv4_prefix: number;
  /** Room in max_total only authenticated WebSockets (agents, feeds) may use. Undefined: a tenth. */
  websocket_reserve?: number;
}

const cidrs: Validator<Cidr[]> = (v, path) => {
  if (!Array.isArray(v)) throw new ConfigError(path, 'expected a list of addresses or CIDR ranges');
  return v.map((item, i) => {
    const c = parseCidr(string(item, `${path}[${i}]`));
    if (!c) throw new ConfigError(`${path}[${i}]`, 'expected an IP address or CIDR range like 10.0.0.0/8');
    return c;
  });
};

const shape = object({
  max_total: optional(integer(16, 1_000_000), 10_000),
  max_per_address: optional(integer(1, 1_000_000), 1000),
  max_pending: optional(integer(1, 1_000_000)),
  max_pending_per_address: optional(integer(1, 1_000_000), 64),
  header_timeout: optional(durationFrom(100, 300e3), 5e3),
  idle_timeout: optional(durationFrom(100, 600e3), 5e3),
  exempt: optional(cidrs, [] as Cidr[]),
  ipv4_prefix: optional(integer(8, 32), 32),
  websocket_reserve: optional(integer(0, 1_000_000)),
});

export const connectionsSection: Validator<ConnectionsConfig> = (v, path) => {
  const c = shape(v, path) as ConnectionsConfig;
  if (c.max_pending !== undefined && c.max_pending >= c.max_total) {
    throw new ConfigError(`${path}.max_pending`, `must be below max_total (${c.max_total}), to keep room for agents and API requests`);
  }
  const pending = c.max_pending ?? Math.floor(c.max_total / 4);
  if (c.websocket_reserve !== undefined && c.websocket_reserve + pending >= c.max_total) {
    throw new ConfigError(`${path}.websocket_reserve`, `with max_pending (${pending}) must stay below max_total (${c.max_total})`);
  }
  if (c.max_pending_per_address > c.max_per_address) {
    throw new ConfigError(`${path}.max_pending_per_address`, `must not exceed max_per_address (${c.max_per_address})`);
  }
  return c;
};
