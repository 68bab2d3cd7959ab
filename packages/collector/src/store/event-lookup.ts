/**
 * Summary-planned reads of the events table (the summary's write side: store/event-keys.ts).
 * A filter by agent, type, source.ip or user.name, or with a time range, first reads the
 * summary: which id buckets hold the value (event_keys) and which @timestamp span each
 * bucket's rows cover (event_spans). Rows are then read only in those buckets, newest
 * first, through the per-bucket index of the most selective member. Counts add the
 * summary's n wherever it is the exact answer and count rows only in the other buckets.
 */
import type { DB } from './db.js';
import { whereClause, type EventFilter } from './event-filter.js';
import { BUCKET_EXPR, bucketIds, bucketOf } from './buckets.js';
import { KEY_FIELDS, SEALED_BELOW_SQL, SEALED_FIELDS, type KeyField } from './event-keys.js';
import type Database from 'better-sqlite3';

/**
 * A bucket that may hold matches: its summary count, the @timestamp span of its rows of the
 * kind and whether that span lies inside the time range.
 */
interface Candidate { bucket: number; n: number; min: number; max: number; inside: boolean; known?: false }

interface Plan {
  /** Newest first. */
  buckets: Candidate[];
  /** The member whose index reads a bucket's rows (null: by id range). */
  driver: KeyField | null;
  /** Whether `n` of an inside bucket is the count (unless it is not `known`): at most one member, no other terms. */
  exact: boolean;
}

const MEMBER: Record<KeyField, 'agent' | 'type' | 'sourceIp' | 'userName'> = {
  agent: 'agent', type: 'type', 'source.ip': 'sourceIp', 'user.name': 'userName',
};

/** How a bucket's rows are read per driver: the index, and whether it leads with the bucket. */
const ACCESS: Record<KeyField | 'none', { from: string; byBucket: boolean }> = {
  'source.ip': { from: 'events INDEXED BY events_source_ip_b', byBucket: true },
  'user.name': { from: 'events INDEXED BY events_user_name_b', byBucket: true },
  agent: { from: 'events INDEXED BY events_agent_id', byBucket: false },
  type: { from: 'events INDEXED BY events_type_id', byBucket: false },
  none: { from: 'events NOT INDEXED', byBucket: false },
};

/** True when the summary plans the filter: it names an agent, type, address or user, or a time range. */
export function planned(f: EventFilter): boolean {
  return f.since !== undefined || f.until !== undefined || KEY_FIELDS.some((k) => f[MEMBER[k]] !== undefined);
}

const NO_BOUND = Number.MAX_SAFE_INTEGER;

/** `stmt` prepares SQL on `reader` once (the event store's statement cache). */
export function createEventLookup(reader: DB, stmt: (sql: string) => Database.Statement) {
  const spans = reader.prepare(`SELECT bucket, n, min_ts AS min, max_ts AS max FROM event_spans
    WHERE kind = ? AND bucket <= ? AND n > 0 ORDER BY bucket DESC`);
  const keys = reader.prepare(`SELECT k.bucket, k.n FROM event_spans s CROSS JOIN event_keys k
    ON k.bucket = s.bucket AND k.kind = s.kind AND k.field = ? AND k.value = ?
    WHERE s.kind = ? AND s.bucket <= ? AND k.n > 0`);
  // Rows of a bucket (any kind) whose @timestamp is in range: covering, on the ts index.
  const idSpan = reader.prepare(`SELECT min(id) AS lo, max(id) AS hi FROM events INDEXED BY events_ts
    WHERE ts >= ? AND ts < ? AND id BETWEEN ? AND ?`);
  const inRange = reader.prepare(`SELECT count(*) FROM events INDEXED BY events_ts
    WHERE ts >= ? AND ts < ? AND id BETWEEN ? AND ?`).pluck();
  const otherInRange = reader.prepare(`SELECT count(*) FROM events INDEXED BY events_kind_ts_other
    WHERE kind = ? AND kind <> 'log' AND ts >= ? AND ts < ? AND id BETWEEN ? AND ?`).pluck();
  const sealedBelow = reader.prepare(SEALED_BELOW_SQL).pluck();
  const otherKinds = reader.prepare("SELECT kind FROM event_spans WHERE bucket = ? AND kind <> 'log' AND n > 0").pluck();

  const plan = (f: EventFilter, highBucket: number): Plan => {
    const since = f.since ?? -NO_BOUND;
    const until = f.until ?? NO_BOUND;
    const timed = f.since !== undefined || f.until !== undefined;
    let buckets: Candidate[] = [];
    for (const s of spans.all(f.kind, highBucket) as Array<{ bucket: number; n: number; min: number; max: number }>) {
      if (s.max < since || s.min >= until) continue;
      buckets.push({ ...s, inside: !timed || (s.min >= since && s.max < until) });
    }
    let driver: KeyField | null = null;
    let best = Infinity;
    let members = 0;
    let below: number | undefined;
    for (const field of KEY_FIELDS) {
      const value = f[MEMBER[field]];
      if (value === undefined) continue;
      members++;
      const held = new Map<number, number>();
      for (const r of keys.all(field, value, f.kind, highBucket) as Array<{ bucket: number; n: number }>) held.set(r.bucket, r.n);
      // Buckets not sealed yet (the newest) have no counts of log rows' addresses and users: their rows are read.
      const unsealed = SEALED_FIELDS.has(field) && f.kind === 'log' ? (below ??= sealedBelow.get() as number) : Infinity;
      let total = 0;
      const kept: Candidate[] = [];
      for (const c of buckets) {
        const n = held.get(c.bucket);
        if (n === undefined) {
          if (c.bucket >= unsealed) kept.push({ ...c, known: false });
          continue;
        }
        total += n;
        kept.push(members === 1 ? { ...c, n } : c);
      }
      buckets = kept;
      if (total < best) { best = total; driver = field; }
    }
    return { buckets, driver, exact: members <= 1 && f.outcome === undefined && f.q === undefined };
  };

  /** The time range cut to the span of the bucket's rows of the kind: the ts index reads only those. */
  const cut = (f: EventFilter, c: Candidate): [number, number] =>
    [Math.max(f.since ?? -NO_BOUND, c.min), Math.min(f.until ?? NO_BOUND, c.max + 1)];

  /** The id range to read in bucket `c`: the whole bucket, or where its rows in the time range lie; null when none do. */
  const idRange = (f: EventFilter, c: Candidate): [number, number] | null => {
    const [lo, hi] = bucketIds(c.bucket);
    if (c.inside) return [lo, hi];
    const r = idSpan.get(...cut(f, c), lo, hi) as { lo: number | null; hi: number | null };
    return r.lo === null || r.hi === null ? null : [r.lo, r.hi];
  };

  /**
   * Rows of the kind in range in a boundary bucket, from the covering ts indexes alone: other
   * kinds have their (kind, ts) index; log rows are all rows in range less the other kinds'.
   */
  const countInRange = (f: EventFilter, c: Candidate): number => {
    const [since, until] = cut(f, c);
    const [lo, hi] = bucketIds(c.bucket);
    if (f.kind !== 'log') return otherInRange.get(f.kind, since, until, lo, hi) as number;
    let n = inRange.get(since, until, lo, hi) as number;
    for (const k of otherKinds.all(c.bucket) as string[]) n -= otherInRange.get(k, since, until, lo, hi) as number;
    return n;
  };

  /** SQL reading rows of one bucket for the plan's driver, and its leading arguments. */
  const inBucket = (p: Plan, c: Candidate, ids: [number, number]) => {
    const a = ACCESS[p.driver ?? 'none'];
    return a.byBucket
      ? { from: a.from, lead: `${BUCKET_EXPR} = ? AND id BETWEEN ? AND ?`, args: [c.bucket, ids[0], ids[1]] }
      : { from: a.from, lead: 'id BETWEEN ? AND ?', args: [ids[0], ids[1]] };
  };

  return {
    /** Up to `limit` rows (`select` of each, newest first) matching `f`, below `beforeId`. */
    rows<T>(f: EventFilter, select: string, limit: number, beforeId?: number): T[] {
      const p = plan(f, beforeId === undefined ? NO_BOUND : bucketOf(beforeId - 1));
      const w = whereClause(f, beforeId);
      const out: T[] = [];
      for (const c of p.buckets) {
        if (out.length >= limit) break;
        const ids = idRange(f, c);
        if (ids === null) continue;
        const q = inBucket(p, c, ids);
        const got = stmt(`SELECT ${select} FROM ${q.from} WHERE ${q.lead} AND ${w.sql} ORDER BY id DESC LIMIT ?`)
          .all(...q.args, ...w.params, limit - out.length) as T[];
        for (const r of got) out.push(r);
      }
      return out;
    },
    /** The exact number of rows matching `f`. */
    count(f: EventFilter): number {
      const p = plan(f, NO_BOUND);
      const w = whereClause(f);
      let n = 0;
      for (const c of p.buckets) {
        if (p.exact && c.inside && c.known !== false) { n += c.n; continue; }
        if (p.exact && p.driver === null) { n += countInRange(f, c); continue; }
        const ids = idRange(f, c);
        if (ids === null) continue;
        const q = inBucket(p, c, ids);
        n += stmt(`SELECT count(*) FROM ${q.from} WHERE ${q.lead} AND ${w.sql}`).pluck().get(...q.args, ...w.params) as number;
      }
      return n;
    },
  };
}
