/**
 * `docker events` lines: the JSON shape of `--format '{{json .}}'` (Type/Action/Actor),
 * the legacy Engine shape (status/id/from), Wazuh's {"docker": {...}} wrapping, and the
 * default text format (`<time> container die <id> (exitCode=137, image=..., name=...)`).
 * Actions with a suffix (`health_status: healthy`, `exec_start: bash`) keep it apart.
 */
import type { EcsFields } from '../model.js';
import type { DecodeMeta, StreamDecoder } from './types.js';
import { isoTime, stripEol, unparsed } from './event.js';
import { parseJsonObject, timeValue } from './kv.js';
import { parseIso } from './time.js';

interface DockerEvent { type: string; action: string; id: string; attrs: Record<string, string>; timeMs: number }

export class DockerEventsDecoder implements StreamDecoder {
  decode(text: string, meta: DecodeMeta): EcsFields {
    const line = stripEol(text);
    try {
      const ev = line.charCodeAt(0) === 123 ? fromJson(line) : fromText(line);
      if (!ev || !ev.action) return unparsed(line, meta.readTimeMs);
      return toFields(ev, line, meta.readTimeMs);
    } catch (err) {
      const out = unparsed(line, meta.readTimeMs);
      out['vigil.error'] = (err as Error).message;
      return out;
    }
  }
}

function fromJson(line: string): DockerEvent | undefined {
  let rec = parseJsonObject(line);
  if (!rec) return undefined;
  if (rec.docker && typeof rec.docker === 'object') rec = rec.docker as Record<string, unknown>;
  const actor = (rec.Actor ?? {}) as { ID?: unknown; Attributes?: Record<string, unknown> };
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(actor.Attributes ?? {})) attrs[k] = String(v);
  const type = String(rec.Type ?? (rec.status !== undefined ? 'container' : ''));
  const action = String(rec.Action ?? rec.status ?? '');
  const id = String(actor.ID ?? rec.id ?? '');
  if (rec.from !== undefined && attrs.image === undefined) attrs.image = String(rec.from);
  const timeMs = rec.timeNano !== undefined ? Math.floor(Number(rec.timeNano) / 1e6) : timeValue(rec.time);
  return { type, action, id, attrs, timeMs };
}

/** `2017-01-05T00:36:09.840186338+08:00 container die 0fdb...ff37 (exitCode=143, image=alpine:latest, name=test)` */
function fromText(line: string): DockerEvent | undefined {
  const st = parseIso(line);
  if (!st) return undefined;
  const m = /^ (\S+) (.+?) (\S+)(?: \((.*)\))?$/s.exec(line.slice(st.end)); // s: a line is one string
  if (!m) return undefined;
  const attrs: Record<string, string> = {};
  for (const part of (m[4] ?? '').split(', ')) {
    const eq = part.indexOf('=');
    if (eq > 0) attrs[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return { type: m[1], action: m[2], id: m[3], attrs, timeMs: st.ms };
}

function toFields(ev: DockerEvent, line: string, readTimeMs: number): EcsFields {
  const colon = ev.action.indexOf(':');
  const action = colon > 0 ? ev.action.slice(0, colon) : ev.action;
  const out: EcsFields = {
    '@timestamp': isoTime(ev.timeMs, readTimeMs),
    message: line,
    'event.kind': 'event',
    'event.category': [ev.type === 'container' ? 'process' : 'configuration'],
    'event.type': ['info'],
    'event.action': action,
    'docker.event.type': ev.type,
    'vigil.decoder': 'docker-events',
  };
  if (colon > 0) out['docker.event.detail'] = ev.action.slice(colon + 1).trim();
  if (ev.type === 'container') {
    if (ev.id) out['container.id'] = ev.id;
    if (ev.attrs.name) out['container.name'] = ev.attrs.name;
    if (ev.attrs.image) out['container.image.name'] = ev.attrs.image;
    if (action === 'start') out['event.type'] = ['start'];
    if (action === 'die' || action === 'stop' || action === 'kill' || action === 'oom') out['event.type'] = ['end'];
  } else if (ev.id) {
    out['docker.actor.id'] = ev.id;
  }
  const code = ev.attrs.exitCode;
  if (code !== undefined && code !== '' && Number.isFinite(Number(code))) {
    out['process.exit_code'] = Number(code);
    out['event.outcome'] = Number(code) === 0 ? 'success' : 'failure';
  }
  if (action === 'oom') out['event.outcome'] = 'failure';
  if (action === 'health_status' && out['docker.event.detail']) out['container.health'] = out['docker.event.detail'];
  for (const [k, v] of Object.entries(ev.attrs)) out[`docker.attributes.${k}`] = v;
  return out;
}
