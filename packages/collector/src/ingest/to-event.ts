/**
 * Turns one wire Event into a row for the store: log lines through their stream's
 * decoder plus the ingest fields (file, offset, truncation, then agent, ingest time and
 * type last, where the compact row codec expects them), data-loss bodies into kind 'loss',
 * other bodies through their registered BodyHandler, and anything unknown or failing into
 * kind 'audit', so nothing an agent sent is lost.
 */
import { eventBody, type Event } from '@vigil/proto';
import type { EcsFields } from '../model.js';
import type { NewEvent } from '../store/events.js';
import type { BodyHandler, BodyHandlers } from './handlers.js';
import type { DecoderCache } from './decoder-cache.js';
import { usableTimeMs } from '../decoders/event.js';
import { capText } from './line-cap.js';

export interface Converted { row: NewEvent; handler?: BodyHandler }

const iso = (ms: number) => new Date(ms).toISOString();

/** `nowIso` is iso(now), computed once per batch by the caller when it has it. */
export function toNewEvent(ev: Event, seq: number, agent: string, now: number, decoders: DecoderCache, bodies: BodyHandlers, nowIso = iso(now)): Converted {
  const timeMs = ev.timeMs && usableTimeMs(ev.timeMs) ? ev.timeMs : now; // an agent's clock, within RFC 3339's years
  const body = eventBody(ev);
  if (body === 'line') {
    const line = ev.line!;
    const path = line.path ?? '';
    const offset = line.offset ?? 0;
    let text = line.text ?? '';
    let truncated = line.truncated;
    let originalLength = line.originalLength;
    const cut = capText(text, decoders.maxLineBytes);
    if (cut) {
      text = cut.text;
      truncated = true;
      if (!originalLength || originalLength < cut.originalLength) originalLength = cut.originalLength;
    }
    let decoder;
    try { decoder = decoders.get(agent, path, line.type); } catch (err) {
      // An agent sent a type no decoder has: kept as an audit row, text included, not thrown.
      const f = auditFields(agent, timeMs, now, 'undecodable-body', `line event could not be converted: ${(err as Error).message}`);
      Object.assign(f, { 'vigil.body': 'line', 'log.file.path': path, 'log.offset': offset, 'event.original': text });
      return { row: { agent, seq, ingested: now, timeMs, kind: 'audit', fields: f } };
    }
    const fields = decoder.decode(text, {
      readTimeMs: timeMs, agent, path, offset, fields: line.fields,
    });
    fields['log.file.path'] = path;
    fields['log.offset'] = offset;
    if (truncated) {
      fields['vigil.truncated'] = true;
      if (originalLength) fields['vigil.original_length'] = originalLength;
    }
    fields['agent.name'] = agent;
    fields['event.ingested'] = nowIso;
    fields['vigil.type'] = line.type;
    return { row: { agent, seq, ingested: now, timeMs, kind: 'log', type: line.type, fields } };
  }
  const base = { agent, seq, ingested: now, timeMs };
  if (body === 'loss') {
    const l = ev.loss!;
    return { row: { ...base, kind: 'loss', fields: lossFields(agent, timeMs, now, {
      message: `agent ${agent} dropped ${l.droppedEvents ?? 0} events${l.reason ? ` (${l.reason})` : ''}`,
      action: 'data-loss', dropped: l.droppedEvents ?? 0, firstSeq: l.firstSeq, lastSeq: l.lastSeq,
      bytes: l.droppedBytes, reason: l.reason,
    }) } };
  }
  const handler = body ? bodies.get(body) : undefined;
  if (!handler) return { row: { ...base, kind: 'audit', fields: auditFields(agent, timeMs, now, 'unknown-body', `event with an unknown body (${body ?? 'none'})`) } };
  try {
    const fields = handler.toFields(ev, agent);
    fields['agent.name'] ??= agent;
    fields['event.ingested'] = nowIso;
    return { row: { ...base, kind: handler.kind, fields }, handler };
  } catch (err) {
    const f = auditFields(agent, timeMs, now, 'undecodable-body', `${body} event could not be converted: ${(err as Error).message}`);
    f['vigil.body'] = body;
    return { row: { ...base, kind: 'audit', fields: f } };
  }
}

export function auditFields(agent: string, timeMs: number, now: number, action: string, message: string): EcsFields {
  return {
    '@timestamp': iso(timeMs), message, 'event.kind': 'event', 'event.action': action,
    'agent.name': agent, 'event.ingested': iso(now),
  };
}

export interface LossInfo {
  message: string; action: string; dropped: number;
  firstSeq?: number; lastSeq?: number; bytes?: number; reason?: string;
}

export function lossFields(agent: string, timeMs: number, now: number, l: LossInfo): EcsFields {
  const f = auditFields(agent, timeMs, now, l.action, l.message);
  f['vigil.loss.dropped_events'] = l.dropped;
  if (l.firstSeq) f['vigil.loss.first_seq'] = l.firstSeq;
  if (l.lastSeq) f['vigil.loss.last_seq'] = l.lastSeq;
  if (l.bytes) f['vigil.loss.dropped_bytes'] = l.bytes;
  if (l.reason) f['vigil.loss.reason'] = l.reason;
  return f;
}
