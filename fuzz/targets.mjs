// The fuzz targets and their invariants (engine.mjs drives them). Each run(bytes) returns
// normally for any input the module handles, its own typed error included (FrameError,
// UsageError, ConfigError); it throws for anything else: another exception, or a broken
// invariant (an InvariantError): decoded events lack their required fields, or decoding
// the same input twice gives different results. Seeds: test/fixtures, the ruleset's
// *.cases.yaml lines, the proto golden frames and packages' own example configs.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');
const dist = (p) => import(join(ROOT, 'packages', p));
const proto = await dist('proto/dist/index.js');
const { createDecoder, LOG_TYPES } = await dist('collector/dist/decoders/index.js');
const { batchChunks } = await dist('collector/dist/ingest/batch-rows.js');
const { BodyHandlers } = await dist('collector/dist/ingest/handlers.js');
const { DecoderCache } = await dist('collector/dist/ingest/decoder-cache.js');
const { registerTelemetryHandlers } = await dist('collector/dist/telemetry/handlers.js');
const { EnumGuard } = await dist('collector/dist/telemetry/enums.js');
const { MetricsRegistry } = await dist('collector/dist/metrics/registry.js');
const { encodeRows, INSERT_EVENT_SQL, ROW_WIDTH } = await dist('collector/dist/store/row-columns.js');
const { BucketTemplates, PUT_TEMPLATE_SQL } = await dist('collector/dist/store/field-templates.js');
const { SHAPE_TEMPLATE, unpackFields } = await dist('collector/dist/store/event-row.js');
const { migrateCore } = await dist('collector/dist/store/schema.js');
const { TelemetryStore } = await dist('collector/dist/telemetry/store.js');
const { openDatabase } = await dist('collector/dist/store/db.js');
const { loadConfig: loadCollectorConfig } = await dist('collector/dist/config/load.js');
const { ConfigError } = proto;
const { parseConfigText } = await dist('agent/dist/config/load.js');
const { UsageError } = await dist('agent/dist/config/types.js');
const YAML = createRequire(join(ROOT, 'packages/collector/package.json'))('yaml');

export class InvariantError extends Error {
  constructor(message) { super(message); this.name = 'InvariantError'; }
}
const must = (ok, what) => { if (!ok) throw new InvariantError(what); };

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/** The fields every decoded event must have, and values JSON can carry as they are. */
function checkFields(f, what) {
  must(f !== null && typeof f === 'object', `${what}: fields are not an object`);
  const ts = f['@timestamp'];
  must(typeof ts === 'string' && RFC3339.test(ts) && Number.isFinite(Date.parse(ts)), `${what}: bad @timestamp ${JSON.stringify(ts)}`);
  must(typeof f.message === 'string', `${what}: message is not a string`);
  must(typeof f['event.kind'] === 'string', `${what}: event.kind is not a string`);
  // Values JSON keeps as they are (json lines keep arrays, and objects nested past 16 levels).
  const scalar = (x) => x === null || typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x));
  const ok = (x) => scalar(x)
    || (typeof x === 'object' && (Array.isArray(x) || [Object.prototype, null].includes(Object.getPrototypeOf(x))) && Object.values(x).every(ok));
  for (const [k, v] of Object.entries(f)) must(ok(v), `${what}: field ${k} holds ${typeof v === 'number' ? v : typeof v}`);
}

// ---- seeds ------------------------------------------------------------------------------

const fixture = (p) => readFileSync(join(ROOT, 'test/fixtures', p), 'utf8');
const fixtureDir = (d) => readdirSync(join(ROOT, 'test/fixtures', d)).filter((f) => !f.endsWith('.csv')).map((f) => fixture(join(d, f)));

/** The lines of every ruleset/decoders/*.cases.yaml of `type`. */
function caseLines(type) {
  const dir = join(ROOT, 'ruleset/decoders');
  const out = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.cases.yaml'))) {
    const doc = YAML.parse(readFileSync(join(dir, f), 'utf8'));
    if (doc.type !== type) continue;
    for (const c of doc.cases ?? []) {
      if (c.line) out.push(c.line);
      if (c.lines) out.push(c.lines.join('\n'));
    }
  }
  return out;
}

/** Up to `max` chunks of 1-3 consecutive lines from the given texts. */
function chunks(texts, max = 150) {
  const lines = texts.flatMap((t) => t.split('\n').filter(Boolean));
  const step = Math.max(1, Math.floor(lines.length / max));
  const out = [];
  for (let i = 0; i < lines.length && out.length < max; i += step) out.push(lines.slice(i, i + 1 + (i % 3)).join('\n'));
  return out;
}

const LINE_SEEDS = {
  auth: () => [...caseLines('auth'), ...chunks([fixture('loghub/OpenSSH_2k.log'), ...fixtureDir('elastic-auth')])],
  syslog: () => [...caseLines('syslog'), ...chunks([fixture('loghub/Linux_2k.log')])],
  backup: () => [...caseLines('backup'), ...chunks(fixtureDir('backup'))],
  deployment: () => [...caseLines('deployment'), ...chunks([fixture('snippets/deploy-and-service.md')], 60)],
  'docker-events': () => [...caseLines('docker-events'), ...chunks([fixture('docker/docker-events-json.golden')], 40)],
  json: () => chunks([fixture('journal/journalctl-auth.jsonl')], 60),
};

function frameSeeds() {
  const dir = join(ROOT, 'packages/proto/test/golden');
  const golden = readdirSync(dir).map((f) => Buffer.from(readFileSync(join(dir, f), 'utf8').trim(), 'hex'));
  const text = fixture('loghub/OpenSSH_2k.log').split('\n').slice(0, 20);
  const lines = text.map((t, i) => ({ timeMs: NOW, line: { path: '/var/log/auth.log', offset: i * 100, type: LOG_TYPES[i % LOG_TYPES.length], text: t } }));
  const other = [
    { timeMs: NOW, metrics: { samples: [{ name: 'cpu.usage', value: 0.5, labels: { cpu: '0' } }] } },
    { timeMs: NOW, containerEvent: { id: 'abc', name: 'web', image: 'nginx', action: 'die', exitCode: 137 } },
    { timeMs: NOW, containerState: { id: 'abc', name: 'web', image: 'nginx', state: 'running', health: 'healthy' } },
    { timeMs: NOW, loss: { droppedEvents: 5, firstSeq: 1, lastSeq: 5, reason: 'outbox full' } },
    { timeMs: NOW, probe: { name: 'api', url: 'http://127.0.0.1/', success: false, statusCode: 500, latencyMs: 12, error: 'HTTP 500' } },
  ];
  const batch = proto.encodeBatchFrame(1, NOW, [proto.encodeEventsFragment(lines), proto.encodeEventsFragment(other)]);
  return [...golden, batch, proto.compressFrame(batch, 'brotli'), proto.compressFrame(batch, 'deflated')];
}

const AGENT_CONFIGS = [
  'files:\n  - path: /var/log/auth.log\n    type: auth\n',
  'files:\n  - path: /var/log/app/*.log\n    type: json\n    start_at: end\n    max_line_bytes: 16KiB\n    exclude: ["*.gz", "*.old"]\njournal:\n  - match: { SYSLOG_FACILITY: ["4", "10"] }\n    type: auth\n',
  'outbox: { max_bytes: 1MiB }\nmetrics:\n  host: { interval: 10s }\n  docker: { socket: /var/run/docker.sock, interval: 30s }\n',
  'probes:\n  - name: api\n    url: https://127.0.0.1:8443/health\n    interval: 30s\n    timeout: 5s\n',
];
const COLLECTOR_CONFIGS = [
  'retention: { max_age: 30d, max_bytes: 10GiB, interval: 60s }\nmetrics: { open: false }\n',
  'ingest: { heartbeat_timeout: 60s, max_frame_bytes: 16MiB }\nrules:\n  dir: ruleset/detections\n  lateness: 5s\n  idle: 5s\n  watch: true\n  allowlist: { addresses: [127.0.0.1, 10.0.0.0/8], users: [backup], hosts: [] }\n',
  'outputs:\n  webhooks:\n    - name: ops\n      url: https://hooks.example.com/x\n      format: slack\n      severities: [P1, P2]\n      headers: { X-Key: abc }\n      timeout: 5s\n  group_window: 30s\n  retry: { attempts: 6, initial: 1s, max: 5m }\n  escalation: { after: 15m, severities: [P1], interval: 15m }\n',
  'feed: { keep: 10000, heartbeat: 15s, stall: 30s }\ncompliance:\n  interval: 1m\n  grace: 30m\n  report_time: "06:00"\n  history: 90d\n  checks:\n    backup-daily: { threshold: 1, window: 1d, grace: 2h }\n',
];
const YAML_DICT = [': ', '\n  - ', '{ ', ' }', '[', ']', '&a ', '*a', '<<: *a', '!!str ', '!!binary ', '---\n', '? ', '|\n  ', '"\\u0000"', '~', 'null', 'true', '1e999', '-0x1', 'KiB', 'MiB', 'GiB', 'TiB', 'ms', 's', 'm', 'h', 'd', 'w'];

// ---- targets ----------------------------------------------------------------------------

function lineTarget(type) {
  const decodeAll = (text) => {
    const d = createDecoder(type);
    return text.split('\n').slice(0, 32).map((l, i) => d.decode(l, { readTimeMs: NOW, agent: 'fuzz', path: '/var/log/fuzz.log', offset: i * 100 }));
  };
  return {
    maxLen: 4096,
    dict: ['sshd[1]: ', 'Failed password for ', 'Accepted publickey for ', ' from ', ' port ', ' ssh2', 'invalid user ', 'sudo: ', ' : TTY=', ' ; COMMAND=', 'pam_unix(', 'session opened for user ', '{"', '":"', '":', '}', '"Type":"container"', '"Action":"die"', '"Actor":{"ID":"', '"Attributes":{', '"time":', '"timeNano":', '"MESSAGE":"', '"_HOSTNAME":"', '"__REALTIME_TIMESTAMP":"', 'Nov 27 10:00:00 ', '2026-01-15T12:00:00.123456+02:00 ', '<34>1 ', 'T', 'Z', 'exitCode=', 'error', 'completed', 'failed', 'rollout'],
    seeds: () => LINE_SEEDS[type]().map((s) => Buffer.from(s)),
    run(buf) {
      const text = buf.toString('utf8');
      const out = decodeAll(text);
      out.forEach((f, i) => checkFields(f, `${type} line ${i + 1}`));
      must(isDeepStrictEqual(JSON.parse(JSON.stringify(out)), JSON.parse(JSON.stringify(decodeAll(text)))), `${type}: a second decoder decodes the same lines differently`);
    },
  };
}

const KINDS = new Set(['log', 'metric', 'container', 'probe', 'loss', 'audit']);
const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'vigil-fuzz-')), 'fuzz.db'));
const bodies = new BodyHandlers();
const unknownValues = new MetricsRegistry().counter('vigil_ingest_unknown_values_total', 'fuzz');
registerTelemetryHandlers(bodies, new TelemetryStore(db), new EnumGuard(proto.createLogger('silent'), unknownValues, () => NOW));
migrateCore(db);
const putTemplate = db.prepare(PUT_TEMPLATE_SQL);
const insertRow = db.prepare(INSERT_EVENT_SQL);
const readRow = db.prepare('SELECT * FROM events WHERE id = ?');
let lastId = 0;

/** What a collector does with the bytes of one WebSocket message up to the store: frame, expansion, rows. */
function frameRows(buf) {
  let frame;
  try {
    frame = proto.decodeAgentFrame(buf);
    const body = proto.frameBody(frame);
    if (body === 'brotli' || body === 'deflated') frame = proto.expandFrame(frame[body], body, 1 << 20).frame;
  } catch (e) {
    if (e instanceof proto.FrameError) return null;
    throw e;
  }
  const b = frame.batch;
  if (!b || !Number.isSafeInteger(b.firstSeq) || b.firstSeq < 1) return null; // the session refuses these
  const rows = [];
  batchChunks('fuzz', b, 0, NOW, new DecoderCache(), bodies, 1000, (chunk) => rows.push(...chunk));
  return { rows };
}

/** The rows as the store encodes them must rebuild to the very same fields, key order included. */
function checkRowCodec(rows) {
  const ids = rows.map(() => ++lastId);
  // A fresh encoder with small bounds: an input reaches both learnt and plain templates.
  const { values, templates } = encodeRows(rows, ids, new BucketTemplates({ maxKeys: 8, maxTemplates: 4, maxNodes: 32 }));
  db.transaction(() => {
    for (const t of templates) putTemplate.run(t);
    for (let i = 0; i < rows.length; i++) insertRow.run(values.slice(i * ROW_WIDTH, (i + 1) * ROW_WIDTH));
  })();
  for (let i = 0; i < rows.length; i++) {
    const stored = readRow.get(ids[i]);
    must(stored.shape === SHAPE_TEMPLATE, `row ${i + 1} not in template form (shape ${stored.shape})`);
    must(unpackFields(stored, db) === JSON.stringify(rows[i].fields), `row ${i + 1} does not rebuild its fields exactly`);
  }
}

const frame = {
  maxLen: 16384,
  dict: [],
  seeds: frameSeeds,
  run(buf) {
    const r = frameRows(buf);
    if (!r) return;
    for (const row of r.rows) {
      must(KINDS.has(row.kind), `row kind ${row.kind}`);
      must(Number.isSafeInteger(row.seq) && row.seq >= 1, `row seq ${row.seq}`);
      must(Number.isFinite(row.timeMs), `row timeMs ${row.timeMs}`);
      if (row.kind === 'log') checkFields(row.fields, 'log row');
      else must(row.fields && typeof row.fields === 'object', `${row.kind} row without fields`);
    }
    must(isDeepStrictEqual(JSON.parse(JSON.stringify(r.rows)), JSON.parse(JSON.stringify(frameRows(buf).rows))), 'the same frame gives different rows');
    checkRowCodec(r.rows);
  },
};

function configTarget(parse, TypedError, seeds) {
  return {
    maxLen: 4096,
    dict: YAML_DICT,
    seeds: () => seeds.map((s) => Buffer.from(s)),
    run(buf) {
      const text = buf.toString('utf8');
      let a;
      try { a = parse(text); } catch (e) { if (e instanceof TypedError) return; throw e; }
      must(isDeepStrictEqual(a, parse(text)), 'the same config parses differently');
    },
  };
}

const cfgDir = mkdtempSync(join(tmpdir(), 'vigil-fuzz-config-'));
const collectorConfigText = (text) => { const f = join(cfgDir, 'collector.yaml'); writeFileSync(f, text); return loadCollectorConfig(f); };

export const TARGETS = {
  frame,
  ...Object.fromEntries(LOG_TYPES.map((t) => [`decoder-${t}`, lineTarget(t)])),
  'agent-config': configTarget(parseConfigText, UsageError, AGENT_CONFIGS),
  'collector-config': configTarget(collectorConfigText, ConfigError, COLLECTOR_CONFIGS),
};
