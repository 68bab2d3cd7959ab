import { afterEach, describe, expect, it } from 'vitest';
import type { DB } from '../src/store/db.js';
import { createEventStore, type NewEvent } from '../src/store/events.js';
import { SHAPE_AGENT, SHAPE_INGESTED, SHAPE_MESSAGE, SHAPE_TEMPLATE, SHAPE_TS, SHAPE_TYPE, useFieldsFunction } from '../src/store/event-row.js';
import { whereClause, type EventFilter } from '../src/store/event-filter.js';
import type { EcsFields } from '../src/model.js';
import { BUCKET_BITS, BUCKET_EXPR } from '../src/store/buckets.js';
import { BucketTemplates, TemplateEncoder, type EncoderBounds } from '../src/store/field-templates.js';
import { testEventStore } from './core-helpers.js';

const cleanups: Array<() => void> = [];
afterEach(() => { while (cleanups.length) cleanups.pop()!(); });

function store(templates?: BucketTemplates) {
  const s = testEventStore(templates);
  cleanups.push(s.close);
  return s;
}

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0, 123);
const NOW_ISO = new Date(NOW).toISOString();

function logFields(extra: EcsFields = {}): EcsFields {
  return {
    '@timestamp': '2026-11-01T00:00:00.000Z', message: 'Failed password for root from 1.2.3.4 port 22 ssh2',
    'event.kind': 'event', 'event.outcome': 'failure', 'source.ip': '1.2.3.4', 'user.name': 'root',
    ...extra, 'log.file.path': '/var/log/auth.log', 'log.offset': 10,
    'agent.name': 'web-1', 'event.ingested': NOW_ISO, 'vigil.type': 'auth',
  };
}

/** Inserts each object as one event and checks the read-back object is the same, key order included. */
function roundTrip(db: DB, events: ReturnType<typeof createEventStore>, list: Array<{ fields: EcsFields; kind?: NewEvent['kind']; type?: string; agent?: string }>) {
  const rows: NewEvent[] = list.map((x, i) => ({
    agent: x.agent ?? 'web-1', seq: i + 1, kind: x.kind ?? 'log', ingested: NOW, timeMs: NOW, type: x.type ?? (x.kind ? undefined : 'auth'), fields: x.fields,
  }));
  const stored = db.transaction(() => events.insertBatch(rows))();
  for (let i = 0; i < stored.length; i++) {
    const back = events.get(stored[i].id)!;
    expect(JSON.stringify(back.fields)).toBe(JSON.stringify(list[i].fields));
    expect(back).toEqual(stored[i]);
  }
  return stored.map((s) => db.prepare('SELECT fields, shape FROM events WHERE id = ?').get(s.id) as { fields: string; shape: number });
}

describe('compact event rows', () => {
  it('stores a log line in template form: the row keeps only its own values, and rebuilds exactly', () => {
    const { db, events } = store();
    // Values become template constants when they come again: the first rows inline them.
    const rows = roundTrip(db, events, [1, 2, 3, 4].map((i) => ({ fields: logFields({ 'source.ip': `10.0.0.${i}` }) })));
    const last = rows[3];
    expect(last.shape).toBe(SHAPE_TEMPLATE);
    const values = JSON.parse(last.fields) as unknown[];
    expect(values.slice(1)).toEqual(['10.0.0.4', 10]); // a new address; numbers are always the row's own
    expect(last.fields).not.toContain('Failed password'); // the message column holds it
    expect(last.fields).not.toContain('event.kind');
    expect(JSON.parse(rows[2].fields)[0]).toBe(values[0]); // same template as the row before
    const body = JSON.parse(db.prepare('SELECT body FROM field_templates WHERE id = ?').pluck().get(values[0]) as string) as string[];
    expect(body).toEqual(['sts', 'smessage', 'c"event.kind":"event"', 'c"event.outcome":"failure"', 'vsource.ip',
      'c"user.name":"root"', 'c"log.file.path":"/var/log/auth.log"', 'vlog.offset', 'sagent', 'singested', 'stype']);
    expect(last.fields.length).toBeLessThan(JSON.stringify(logFields()).length / 10);
  });

  it('keeps in the row whatever the columns could not rebuild exactly', () => {
    const { db, events } = store();
    const base = logFields();
    const rows = roundTrip(db, events, [
      { fields: { ...base, '@timestamp': '2026-11-01T00:00:00Z' } },                // not the ms ISO form
      { fields: { ...base, message: 42 } },                                          // not a string
      { fields: { ...base, message: 'lone \ud800 surrogate' } },                     // SQLite UTF-8 would alter it
      { fields: { message: 'message first', '@timestamp': '2026-11-01T00:00:00.000Z', 'agent.name': 'web-1', x: 1, 'vigil.type': 'auth' } },
      { fields: { ...base, 'vigil.type': 'syslog' } },                               // differs from the type column
      { fields: { ...base, 'agent.name': 'other' } },
      { fields: { '@timestamp': '2026-11-01T00:00:00.000Z' } },                      // nothing else at all
      { fields: {} },
    ]);
    const body = (r: { fields: string }) => db.prepare('SELECT body FROM field_templates WHERE id = ?').pluck().get(JSON.parse(r.fields)[0]) as string;
    expect(rows.every((r) => r.shape === SHAPE_TEMPLATE)).toBe(true);
    expect(body(rows[0])).not.toContain('"sts"');
    expect(JSON.parse(rows[0].fields)).toContain('2026-11-01T00:00:00Z');
    expect(body(rows[1])).not.toContain('"smessage"');
    expect(body(rows[2])).not.toContain('"smessage"');
    expect(JSON.parse(body(rows[3]))).toEqual(['smessage', 'sts', 'sagent', 'vx', 'stype']); // message first: rebuilt first
    expect(body(rows[4])).not.toContain('"stype"');
    expect(body(rows[5])).not.toContain('"sagent"');
    expect(JSON.parse(body(rows[6]))).toEqual(['sts']);
    expect(JSON.parse(body(rows[7]))).toEqual([]);
  });

  it('recognises repeated constants by value, not by an array that may change after its row', () => {
    const { db, events } = store();
    const cat = ['authentication'];
    // The second sighting makes the value a constant; then that row's array changes.
    roundTrip(db, events, [{ fields: logFields({ 'event.category': ['authentication'] }) }, { fields: logFields({ 'event.category': cat }) }]);
    cat[0] = 'session';
    const again = ['session', 'authentication', 'session', 'authentication', 'authentication'];
    roundTrip(db, events, again.map((c, i) => ({ fields: logFields({ 'event.category': [c], 'process.name': i % 2 ? 'sshd' : 'CRON' }) })));
  });

  it('reports can look into template-form rows through vigil_fields()', () => {
    const { db, events } = store();
    roundTrip(db, events, [1, 2, 3].map(() => ({ fields: logFields({ 'vigil.attempts': 3 }) })));
    useFieldsFunction(db);
    const got = db.prepare(`SELECT json_extract(vigil_fields(fields, shape, agent, ts, ingested, type, message), '$."vigil.attempts"') AS a,
      vigil_fields(fields, shape, agent, ts, ingested, type, message) AS f FROM events ORDER BY id`).all() as Array<{ a: number; f: string }>;
    expect(got.map((g) => g.a)).toEqual([3, 3, 3]);
    expect(got[2].f).toBe(JSON.stringify(logFields({ 'vigil.attempts': 3 })));
  });

  it('is not fooled by member text inside values, odd keys or quotes', () => {
    const { db, events } = store();
    const tricky = '","vigil.type":"auth"}';
    roundTrip(db, events, [
      { fields: logFields({ note: tricky }) },
      { fields: { ...logFields(), message: `x ${tricky} "quoted" \\ \n\u0000 end`, 'vigil.type': 'auth' } },
      { fields: JSON.parse(`{"@timestamp":"2026-11-01T00:00:00.000Z","__proto__":{"a":1},"message":"m","agent.name":"web-1"}`) as EcsFields },
      { fields: { ...logFields(), 'vigil.type': 'we"ird' }, type: 'we"ird' },
      { fields: { '@timestamp': '2026-11-01T00:00:00.000Z', message: 'audit', 'event.action': 'unknown-body', 'agent.name': 'web-1', 'event.ingested': NOW_ISO }, kind: 'audit' },
      { fields: { ...logFields(), 'agent.name': 'wéb-☃' }, agent: 'wéb-☃' },
    ]);
  });

  it('reads rows of older databases: shape 0 unchanged, the compact form rebuilt', () => {
    const { db, events } = store();
    const f = logFields();
    db.prepare(`INSERT INTO events (agent, seq, kind, ts, ingested, type, message, fields)
      VALUES ('web-1', 1, 'log', 0, 0, 'auth', 'm', ?)`).run(JSON.stringify(f));
    const page = events.query({ kind: 'log' }, 10);
    expect(JSON.stringify(page.events[0].fields)).toBe(JSON.stringify(f));
    // The compact form: the JSON without the members the columns hold (as written before issue 14).
    const ts = Date.parse('2026-11-01T00:00:00.000Z');
    const { '@timestamp': _t, message: _m, 'agent.name': _a, 'event.ingested': _i, 'vigil.type': _y, ...rest } = f;
    const id = db.prepare(`INSERT INTO events (agent, seq, kind, ts, ingested, type, message, fields, shape)
      VALUES ('web-1', 2, 'log', ?, ?, 'auth', ?, ?, ?)`).run(ts, NOW, f.message, JSON.stringify(rest),
      SHAPE_TS | SHAPE_MESSAGE | SHAPE_AGENT | SHAPE_INGESTED | SHAPE_TYPE).lastInsertRowid as number;
    expect(JSON.stringify(events.get(id)!.fields)).toBe(JSON.stringify(f));
  });

  it('filtered queries still go through indexes', () => {
    const { db } = store();
    const plan = (sql: string, params: unknown[]) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail).join('; ');
    const where = (f: EventFilter) => { const w = whereClause(f); return { sql: w.sql, params: w.params }; };
    const page = (f: EventFilter) => { const w = where(f); return plan(`SELECT * FROM events WHERE ${w.sql} ORDER BY id DESC LIMIT 51`, w.params); };
    const count = (f: EventFilter) => { const w = where(f); return plan(`SELECT COUNT(*) FROM events WHERE ${w.sql}`, w.params); };
    expect(page({ kind: 'metric', since: 1 })).toMatch(/USING INDEX events_kind_ts_other/);
    expect(page({ kind: 'probe' })).toMatch(/USING INDEX events_kind_ts_other/);
    expect(count({ kind: 'audit' })).toMatch(/USING COVERING INDEX events_kind_ts_other/);
    const bucket = (f: EventFilter) => { const w = where(f); return plan(`SELECT * FROM events WHERE ${BUCKET_EXPR} = ? AND ${w.sql} ORDER BY id DESC LIMIT 51`, [3, ...w.params]); };
    expect(bucket({ kind: 'log', sourceIp: '1.2.3.4' })).toMatch(/USING INDEX events_source_ip_b \(<expr>=\? AND source_ip=\?\)/);
    expect(bucket({ kind: 'log', userName: 'root' })).toMatch(/USING INDEX events_user_name_b \(<expr>=\? AND user_name=\?\)/);
    expect(bucket({ kind: 'log', sourceIp: '1.2.3.4' })).not.toMatch(/TEMP B-TREE/); // id order comes from the index
    expect(page({ kind: 'log', agent: 'a' })).toMatch(/USING INDEX events_agent_id/);
    expect(count({ kind: 'log', agent: 'a' })).toMatch(/USING (COVERING )?INDEX events_agent_id/);
    expect(count({ kind: 'log', since: 1, until: 2 })).toMatch(/USING (COVERING )?INDEX events_ts/);
    expect(page({ kind: 'log' })).toBe('SCAN events'); // newest first by id, stops at the page size
  });

  it('finds addresses and users across id buckets, newest first, paging and counting exactly', () => {
    const { db, events } = store();
    const insert = (n: number, ip: string, user: string) => db.transaction(() => events.insertBatch(Array.from({ length: n }, (_, i) => ({
      agent: 'web-1', seq: i + 1, kind: 'log' as const, ingested: NOW, timeMs: NOW, type: 'auth',
      fields: logFields({ 'source.ip': ip, 'user.name': user }),
    }))))();
    // Rows land in buckets 0, 1, 4 and 9: jump the rowid between batches.
    const jump = (id: number) => db.prepare(`INSERT INTO events (id, agent, seq, kind, ts, ingested, fields) VALUES (?, 'web-1', 0, 'log', 0, 0, '{}')`).run(id);
    const ids: number[] = [];
    ids.push(...insert(3, '10.0.0.1', 'alice').map((e) => e.id));
    insert(2, '10.0.0.2', 'bob');
    jump(1 << BUCKET_BITS);
    ids.push(...insert(2, '10.0.0.1', 'bob').map((e) => e.id));
    jump(4 << BUCKET_BITS);
    ids.push(...insert(1, '10.0.0.1', 'alice').map((e) => e.id));
    jump((9 << BUCKET_BITS) + 5);
    ids.push(...insert(2, '10.0.0.1', 'carol').map((e) => e.id));
    const want = [...ids].sort((a, b) => b - a);
    const seen: number[] = [];
    let before: number | undefined;
    for (;;) {
      const p = events.query({ kind: 'log', sourceIp: '10.0.0.1' }, 3, before);
      seen.push(...p.events.map((e) => e.id));
      expect(p.events.every((e) => e.fields['source.ip'] === '10.0.0.1')).toBe(true);
      if (p.nextBeforeId === null) break;
      before = p.nextBeforeId;
    }
    expect(seen).toEqual(want);
    expect(events.count({ kind: 'log', sourceIp: '10.0.0.1' })).toBe(8);
    expect(events.count({ kind: 'log', userName: 'bob' })).toBe(4);
    expect(events.count({ kind: 'log', userName: 'alice', sourceIp: '10.0.0.1' })).toBe(4);
    expect(events.query({ kind: 'log', userName: 'carol' }, 10).events.map((e) => e.id)).toEqual(want.slice(0, 2));
    expect(events.query({ kind: 'log', sourceIp: '10.9.9.9' }, 10).events).toEqual([]);
    expect(events.count({ kind: 'log', sourceIp: '10.0.0.1', since: Date.parse('2026-11-02T00:00:00Z') })).toBe(0);
  });
  it('stops looking for constants in a key whose values never come again (a scan\'s addresses)', () => {
    const cols = { ts: null, message: null, agent: null, ingested: null, type: null };
    const body = (enc: TemplateEncoder, f: EcsFields) => { enc.encode(f, cols); return JSON.parse(enc.template.body) as string[]; };
    const fresh = new TemplateEncoder();
    body(fresh, { 'source.ip': '10.0.0.1', 'host.name': 'web-1' });
    expect(body(fresh, { 'source.ip': '10.0.0.1', 'host.name': 'web-1' })).toEqual(['c"source.ip":"10.0.0.1"', 'c"host.name":"web-1"']);
    const scanned = new TemplateEncoder();
    for (let i = 0; i < 1100; i++) body(scanned, { 'source.ip': `10.1.${i >> 8}.${i & 255}`, 'host.name': 'web-1' });
    body(scanned, { 'source.ip': '10.0.0.1', 'host.name': 'web-1' });
    // After four rounds of 256 values seen once, the address is inlined even when it repeats.
    expect(body(scanned, { 'source.ip': '10.0.0.1', 'host.name': 'web-1' })).toEqual(['vsource.ip', 'c"host.name":"web-1"']);
  });

  // It fills its store's encoder's key bound for the bucket.
  it('inlines a key that takes many values, and gives a row past its bounds a plain template', () => {
    const { db, events } = store();
    // 200 hosts, each seen twice: only the first ones become constants, then the key is inlined.
    const list = Array.from({ length: 400 }, (_, i) => ({ fields: logFields({ 'host.name': `h${i >> 1}` }) }));
    roundTrip(db, events, list);
    expect(db.prepare('SELECT count(*) FROM field_templates').pluck().get()).toBeLessThan(40);
    // An object with more distinct keys than the encoder keeps: a template of its own keys, still exact.
    const wide: EcsFields = logFields();
    for (let i = 0; i < 5000; i++) wide[`k${i}`] = i;
    const [row] = roundTrip(db, events, [{ fields: wide }]);
    expect(row.shape).toBe(SHAPE_TEMPLATE); // the one row form (was the compact JSON form before issue 14)
    expect(JSON.parse(row.fields).at(-1)).toBe(4999);
  });

  it('keeps every row past a tiny bound in template form, exact, and the encoder within its bounds', () => {
    const cases: Array<[string, Partial<EncoderBounds>]> = [['keys', { maxKeys: 4 }], ['templates', { maxTemplates: 2 }], ['nodes', { maxNodes: 6 }]];
    for (const [name, bounds] of cases) {
      const encoders = new BucketTemplates(bounds);
      const { db, events } = store(encoders);
      // Ever new keys, key orders and values: each row needs what the bound no longer allows.
      const list = Array.from({ length: 60 }, (_, i) => {
        const f: EcsFields = i % 3 === 0 ? logFields({ [`extra.${i}`]: `v${i % 5}` }) : { [`k${i}`]: i, nested: { a: [i, null] }, '@timestamp': '2026-11-01T00:00:00.000Z', [`z${i % 4}`]: 'same' };
        if (i % 7 === 0) f['odd "key"'] = 'x\u2028y';
        return { fields: f };
      });
      const rows = roundTrip(db, events, list); // JSON.stringify equal, key order included
      expect(rows.every((r) => r.shape === SHAPE_TEMPLATE), name).toBe(true);
      const size = encoders.for(0).size;
      expect(size.keys, name).toBeLessThanOrEqual(bounds.maxKeys ?? 4096);
      expect(size.templates, name).toBeLessThanOrEqual(bounds.maxTemplates ?? 4096);
      expect(size.nodes, name).toBeLessThanOrEqual(bounds.maxNodes ?? 65536);
      if (bounds.maxKeys) expect(size.keys).toBe(bounds.maxKeys);
      if (bounds.maxTemplates) expect(size.templates).toBe(bounds.maxTemplates);
      if (bounds.maxNodes) expect(size.nodes).toBe(bounds.maxNodes);
      // A plain template: every member the row's own value, in the row's key order.
      const last = JSON.parse(rows[59].fields) as unknown[];
      const body = JSON.parse(db.prepare('SELECT body FROM field_templates WHERE id = ?').pluck().get(last[0]) as string) as string[];
      expect(body).toEqual(Object.keys(list[59].fields).map((k) => 'v' + k));
      expect(last.slice(1)).toEqual(Object.values(list[59].fields));
      // Read through the SQL function too, as reports do.
      useFieldsFunction(db);
      const all = db.prepare('SELECT vigil_fields(fields, shape, agent, ts, ingested, type, message) FROM events ORDER BY id').pluck().all() as string[];
      expect(all).toEqual(list.map((x) => JSON.stringify(x.fields)));
    }
  });
});

describe('template ids', () => {
  // Ids are keyed per database (store_keys): stable for one database across store instances
  // (and restarts), different in another, so log text cannot be made to clash with them.
  it('are the same for one body in every store on a database and differ between databases', () => {
    const a = store();
    const row = { agent: 'web1', seq: 1, kind: 'log' as const, ingested: 1, timeMs: 1, fields: { '@timestamp': '2026-11-27T10:00:00.000Z', message: 'm', 'event.outcome': 'failure' } };
    const idOf = (s: ReturnType<typeof store>, seq: number) => {
      s.db.transaction(() => s.events.insertBatch([{ ...row, seq }]))();
      return JSON.parse(s.db.prepare('SELECT fields FROM events ORDER BY id DESC LIMIT 1').pluck().get() as string)[0] as number;
    };
    const first = idOf(a, 1);
    expect(Number.isSafeInteger(first) && first > 0).toBe(true);
    const again = createEventStore(a.db, a.db); // another store instance on the same database
    a.db.transaction(() => again.insertBatch([{ ...row, seq: 2 }]))();
    expect(JSON.parse(a.db.prepare('SELECT fields FROM events ORDER BY id DESC LIMIT 1').pluck().get() as string)[0]).toBe(first);
    const b = store();
    expect(idOf(b, 1)).not.toBe(first);
    expect(JSON.stringify(again.get(2)!.fields)).toBe(JSON.stringify(row.fields));
  });
});
