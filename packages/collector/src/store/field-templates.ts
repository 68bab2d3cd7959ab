/**
 * Field templates: what repeats from row to row in a fields object (a decoder's constant
 * members, host and program, members a column already holds) is stored once per id bucket
 * (store/buckets.ts), in field_templates, under an id hashed from its text; the row keeps
 * `[id, ...its values]`. Rebuilding gives JSON.stringify of the object exactly, key order
 * included. A key that takes many values is inlined from then on; keys, templates and trie
 * nodes are bounded per bucket: past a bound a row gets a plain template of its own key
 * list (every member a value), learnt nowhere. Each store instance's encoder starts afresh
 * at a bucket boundary, so retention drops a bucket's templates with its last rows
 * (store/retention.ts).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { DB } from './db.js';
import type { EcsFields } from '../model.js';

/** Distinct values a key may take as template constants before its values are inlined. */
const MAX_VALUES_PER_KEY = 32;
/** Values remembered per key as seen once. */
const MAX_ONCE = 256;
/**
 * Times a key's seen-once values may fill up before it is inlined for good: its values
 * hardly ever come again (addresses of a scan, ports), so tracking them is pure cost.
 */
const MAX_ONCE_ROUNDS = 4;
/** Constants per key checked before a lookup (the values rows keep coming back to). */
const RECENT = 4;
/** Longer values are always inlined. */
const MAX_CONST_CHARS = 80;
/** Past these, a row that needs a new key, template or trie node gets a plain template (TemplateEncoder.plain). */
const MAX_KEYS = 4096;
const MAX_TEMPLATES = 4096;
/** Nodes of the trie: rows that stop at a bound part way must not grow it either. */
const MAX_NODES = 16 * MAX_TEMPLATES;

/** How much one bucket's encoder learns at most (the defaults above; smaller in tests). */
export interface EncoderBounds { maxKeys: number; maxTemplates: number; maxNodes: number }
const DEFAULT_BOUNDS: EncoderBounds = { maxKeys: MAX_KEYS, maxTemplates: MAX_TEMPLATES, maxNodes: MAX_NODES };

/** Members the row's columns can rebuild, in template order: 's' + name. */
const COLUMN_NAMES = ['ts', 'message', 'agent', 'ingested', 'type'] as const;
const COLUMN_KEYS = ['@timestamp', 'message', 'agent.name', 'event.ingested', 'vigil.type'];

/**
 * The column values a member may be rebuilt from, or null where the column would not
 * rebuild it exactly (the caller decides, see row-columns.ts).
 */
export interface ColumnValues { ts: string | null; message: string | null; agent: string | null; ingested: string | null; type: string | null }

interface KeyInfo {
  /** Odd token: "this key's value is in the row". */
  token: number;
  /** 1-based index into COLUMN_KEYS when a column may hold it, else 0. */
  column: number;
  quoted: string;
  consts: Map<unknown, number> | null;
  objects: Map<string, number> | null;
  /** Values seen once: a value becomes a constant when it comes again (a random one never does). */
  once: Set<unknown>;
  /** How often `once` filled up and was cleared. */
  onceRounds: number;
  /**
   * The last RECENT values that were constants, and their tokens: rows mostly repeat one of
   * a few (an outcome, a category list), found here without hashing or JSON.
   */
  recent: unknown[];
  recentTok: number[];
  /** Where the next constant goes in `recent` (round robin). */
  recentAt: number;
}

/** A trie node: the path from the root is a template's token list. */
interface Node {
  next: Map<number, Node> | null; id: number; body: string;
  parent: Node | null; tok: number;
  /** The key met last here and the child taken last (rows of one decoder take the same path). */
  lastKey: string; lastInfo: KeyInfo | null; lastTok: number; lastChild: Node | null;
}

const newNode = (parent: Node | null, tok: number): Node =>
  ({ next: null, id: 0, body: '', parent, tok, lastKey: '', lastInfo: null, lastTok: 0, lastChild: null });

/** A template: its id and its text (stored in field_templates). */
export interface Template { readonly id: number; readonly body: string }

export class TemplateEncoder {
  private readonly keys = new Map<string, KeyInfo>();
  private readonly keyNames: string[] = [];
  /** Constant member texts; token 2 * i. */
  private readonly members: string[] = [''];
  private readonly root: Node = newNode(null, 0);
  private readonly ids = new Map<number, string>();
  private readonly values: unknown[] = [0];
  private readonly maxKeys: number;
  private readonly maxTemplates: number;
  private readonly maxNodes: number;
  private nodes = 1;
  /** The template of the row encode() returned last. */
  template: Template = this.root;

  /** `key`: the store's template key (templateKey); a random one for an encoder of its own. */
  constructor(bounds: Partial<EncoderBounds> = {}, private readonly key: Buffer = randomBytes(32)) {
    ({ maxKeys: this.maxKeys, maxTemplates: this.maxTemplates, maxNodes: this.maxNodes } = { ...DEFAULT_BOUNDS, ...bounds });
  }

  /** What the encoder holds: keys, templates and trie nodes (each stays within its bound). */
  get size(): { keys: number; templates: number; nodes: number } {
    return { keys: this.keys.size, templates: this.ids.size, nodes: this.nodes };
  }

  /** The row form of `f`: `[template id, ...values]`, its template in `template`. */
  encode(f: EcsFields, cols: ColumnValues): string {
    const values = this.values;
    let n = 1;
    let node = this.root;
    for (const k in f) {
      const v = f[k];
      if (v === undefined) continue; // JSON.stringify leaves it out too
      let info = node.lastKey === k ? node.lastInfo : null;
      if (info === null) {
        info = this.keys.get(k) ?? this.addKey(k);
        if (info === null) return this.plain(f);
        node.lastKey = k;
        node.lastInfo = info;
      }
      let tok = info.token;
      if (info.column !== 0 && v === columnValue(cols, info.column)) tok = -info.column;
      else if (info.consts !== null && typeof v !== 'number') { // numbers are always inlined
        const r = recentIndex(info.recent, v);
        if (r >= 0) tok = info.recentTok[r];
        else {
          const m = this.constant(info, v);
          if (m > 0) {
            tok = 2 * m;
            const at = info.recentAt;
            info.recent[at] = Array.isArray(v) ? v.slice() : v; // a copy: the row's array may change later
            info.recentTok[at] = tok;
            info.recentAt = (at + 1) % RECENT;
          }
        }
      }
      if (tok === info.token) values[n++] = v;
      let child = node.lastTok === tok ? node.lastChild : node.next?.get(tok);
      if (child == null) {
        if (this.ids.size >= this.maxTemplates || this.nodes >= this.maxNodes) return this.plain(f);
        this.nodes++;
        child = newNode(node, tok);
        (node.next ??= new Map()).set(tok, child);
      }
      node.lastTok = tok;
      node.lastChild = child;
      node = child;
    }
    if (node.id === 0 && !this.define(node)) return this.plain(f);
    values[0] = node.id;
    values.length = n;
    this.template = node;
    return JSON.stringify(values);
  }

  /**
   * The row form where a bound is reached: a template of the row's own key list, every
   * member a value (no constants, no columns: exact), learnt nowhere, so the encoder's
   * memory stays bounded. Such templates are at most one per row of the bucket, and go
   * with it. Its id is its body's hash (another one on the rare clash with a known template).
   */
  private plain(f: EcsFields): string {
    const values = this.values;
    const parts: string[] = [];
    let n = 1;
    for (const k in f) {
      const v = f[k];
      if (v === undefined) continue;
      parts.push('v' + k);
      values[n++] = v;
    }
    const body = JSON.stringify(parts);
    let id = templateId(body, this.key);
    for (let salt = 1; this.ids.has(id) && this.ids.get(id) !== body; salt++) id = templateId(`${body}#${salt}`, this.key);
    values[0] = id;
    values.length = n;
    this.template = { id, body };
    return JSON.stringify(values);
  }

  private addKey(k: string): KeyInfo | null {
    if (this.keys.size >= this.maxKeys) return null;
    const info: KeyInfo = {
      token: 2 * this.keyNames.length + 1, column: COLUMN_KEYS.indexOf(k) + 1,
      quoted: JSON.stringify(k) + ':', consts: new Map(), objects: new Map(), once: new Set(), onceRounds: 0, recent: [], recentTok: [], recentAt: 0,
    };
    this.keyNames.push(k);
    this.keys.set(k, info);
    return info;
  }

  /**
   * The member id of `v` (not a number: those, pids, ports, offsets, are always inlined) as
   * a constant of this key, or 0 when it is inlined, until it comes a second time.
   */
  private constant(info: KeyInfo, v: unknown): number {
    let text: string | undefined;
    let m: number | undefined;
    if (typeof v === 'object' && v !== null) {
      text = JSON.stringify(v);
      if (text.length > MAX_CONST_CHARS) return 0;
      m = info.objects!.get(text);
    } else {
      if (typeof v === 'string' && v.length > MAX_CONST_CHARS) return 0;
      m = info.consts!.get(v);
    }
    if (m !== undefined) return m;
    const seen = text ?? v;
    if (!info.once.has(seen)) {
      if (info.once.size >= MAX_ONCE) {
        if (++info.onceRounds >= MAX_ONCE_ROUNDS) return inlineFromNowOn(info); // values that never repeat
        info.once.clear();
      }
      info.once.add(seen);
      return 0;
    }
    info.once.delete(seen);
    if (info.consts!.size + info.objects!.size >= MAX_VALUES_PER_KEY) return inlineFromNowOn(info); // too many values
    m = this.members.length;
    this.members.push(info.quoted + (text ?? JSON.stringify(v)));
    if (text !== undefined) info.objects!.set(text, m); else info.consts!.set(v, m);
    return m;
  }

  /** Gives the node's token path a body and its id; false on an id collision. */
  private define(node: Node): boolean {
    const parts: string[] = [];
    for (let x: Node = node; x.parent !== null; x = x.parent) {
      const t = x.tok;
      parts.push(t < 0 ? 's' + COLUMN_NAMES[-t - 1] : t % 2 === 0 ? 'c' + this.members[t / 2] : 'v' + this.keyNames[(t - 1) / 2]);
    }
    const body = JSON.stringify(parts.reverse());
    const id = templateId(body, this.key);
    const had = this.ids.get(id);
    if (had !== undefined && had !== body) return false;
    this.ids.set(id, body);
    node.id = id;
    node.body = body;
    return true;
  }
}

/** Where `v` is among a key's recent constants, or -1. */
function recentIndex(recent: unknown[], v: unknown): number {
  for (let i = 0; i < recent.length; i++) if (sameValue(v, recent[i])) return i;
  return -1;
}

/** Whether `v` is the constant `last`: equal strings, or arrays of the same primitives. */
function sameValue(v: unknown, last: unknown): boolean {
  if (v === last) return last !== undefined;
  if (!Array.isArray(v) || !Array.isArray(last) || v.length !== last.length) return false;
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (x !== last[i] || (typeof x === 'object' && x !== null)) return false;
  }
  return true;
}

/** Stops looking for constants among a key's values: they are all inlined from now on. */
function inlineFromNowOn(info: KeyInfo): number {
  info.consts = info.objects = null;
  info.once.clear();
  info.recent = [];
  info.recentTok = [];
  info.recentAt = 0;
  return 0;
}

function columnValue(c: ColumnValues, i: number): string | null {
  return i === 1 ? c.ts : i === 2 ? c.message : i === 3 ? c.agent : i === 4 ? c.ingested : c.type;
}

/**
 * 53 bits of the body's HMAC-SHA256 under the store's template key (store_keys, made once
 * per database): the same template gets the same id in every process on that database, and
 * whoever writes log text cannot compute ids, so cannot make a body of theirs clash with a
 * real template's id (with a plain hash of 48 bits, about 2^24 tries would find one).
 */
export function templateId(body: string, key: Buffer): number {
  return Number(createHmac('sha256', key).update(body).digest().readBigUInt64BE(0) >> 11n) || 1;
}

/** The template key of a migrated database (store_keys). */
export function templateKey(db: DB): Buffer {
  return db.prepare("SELECT key FROM store_keys WHERE name = 'templates'").pluck().get() as Buffer;
}

/**
 * The encoder of one store instance: a fresh TemplateEncoder per id bucket (rows come in id
 * order), so what it learnt and the templates it defines belong to that bucket.
 */
export class BucketTemplates {
  private bucket = -1;
  private encoder: TemplateEncoder;

  /**
   * `bounds`: each bucket's encoder's (the defaults unless a test gives smaller ones); `key`:
   * the store's template key (templateKey), or a random one for an encoder of its own (its
   * ids then differ from the store's: a template may be stored twice, never misread).
   */
  constructor(private readonly bounds: Partial<EncoderBounds> = {}, private readonly key: Buffer = randomBytes(32)) {
    this.encoder = new TemplateEncoder(bounds, key);
  }

  /** The encoder for rows of `bucket`. */
  for(bucket: number): TemplateEncoder {
    if (bucket !== this.bucket) { this.bucket = bucket; this.encoder = new TemplateEncoder(this.bounds, this.key); }
    return this.encoder;
  }
}

/** A template as the decoder uses it: per entry a kind ('c', 's', 'v') and its text. */
type Parsed = Array<[string, string]>;

const parsed = new WeakMap<DB, Map<number, Parsed>>();

function cacheOf(db: DB): Map<number, Parsed> {
  let c = parsed.get(db);
  if (c === undefined) { c = new Map(); parsed.set(db, c); }
  return c;
}

function parse(body: string): Parsed {
  return (JSON.parse(body) as string[]).map((p) => {
    const kind = p[0];
    return [kind, kind === 'v' ? JSON.stringify(p.slice(1)) + ':' : p.slice(1)];
  });
}

/** The template `id` of this database (cached per connection). */
export function templateOf(db: DB, id: number): Parsed {
  const c = cacheOf(db);
  let t = c.get(id);
  if (t === undefined) {
    // Any bucket's copy: the id is a hash of the body, the same body in every bucket.
    const body = db.prepare('SELECT body FROM field_templates WHERE id = ? LIMIT 1').pluck().get(id) as string | undefined;
    if (body === undefined) throw new Error(`field template ${id} is missing`);
    t = parse(body);
    c.set(id, t);
  }
  return t;
}

/** Reads every template into the connection's cache (before SQL that rebuilds fields). */
export function loadTemplates(db: DB): void {
  const c = cacheOf(db);
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'field_templates'").get();
  if (!has) return; // a database from before templates: none of its rows uses one
  for (const r of db.prepare('SELECT id, body FROM field_templates').all() as Array<{ id: number; body: string }>) {
    if (!c.has(r.id)) c.set(r.id, parse(r.body));
  }
}

/** The SQL that stores a batch's templates with its rows: (bucket, id, body), once per bucket. */
export const PUT_TEMPLATE_SQL = 'INSERT OR IGNORE INTO field_templates (bucket, id, body) VALUES (?, ?, ?)';
