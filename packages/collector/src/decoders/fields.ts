/**
 * Writes a matched pattern into an event: its constant fields (arrays copied, so events
 * never share them) and its captures, coerced by ECS key: addresses through setSource,
 * ports, pids and counts to numbers, `backup.size` to bytes, `event.duration` to ns.
 */
import type { EcsFields } from '../model.js';
import { setSource } from './address.js';
import type { CompiledPattern } from './ruleset.js';
import { parseIso } from './time.js';
import { parseDuration, parseSize } from './units.js';

const NUMERIC = new Set(['vigil.failures', 'vigil.pam.failures', 'source.port', 'process.pid', 'vigil.repeat', 'vigil.attempts', 'process.exit_code']);

export function setField(out: EcsFields, key: string, value: string): void {
  if (key === 'source.address') { setSource(out, value); return; }
  if (key === '@timestamp') {
    const st = parseIso(value);
    if (st && Number.isFinite(st.ms)) out[key] = new Date(st.ms).toISOString();
    return;
  }
  if (NUMERIC.has(key)) {
    const n = Number(value);
    if (value !== '' && Number.isFinite(n)) out[key] = n;
    return;
  }
  if (key === 'backup.size') { const b = parseSize(value); if (b !== undefined) out[key] = b; return; }
  if (key === 'event.duration') { const d = parseDuration(value); if (d !== undefined) out[key] = d; return; }
  out[key] = value;
}

export function applyPattern(out: EcsFields, p: CompiledPattern, m: RegExpExecArray): void {
  for (const [k, v] of p.fields) out[k] = Array.isArray(v) ? v.slice() : v;
  const keys = p.keys;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const v = m[i + 1];
    if (k !== '' && v !== undefined && v !== '') setField(out, k, v);
  }
  out['vigil.decoder'] = p.id;
}
