/**
 * Writes a matched pattern into an event: its constant fields (arrays copied, so events
 * never share them) and its captures, coerced by ECS key: addresses through setSource,
 * ports, pids and counts to numbers, `backup.size` to bytes, `event.duration` to ns.
 * The coercion of each capture is decided once per pattern (coercionOf), not per line, and
 * each pattern writes through its own compiled writer (applier.ts).
 */
import type { EcsFields } from '../model.js';
import { setSource } from './address.js';
import type { Coercion, CompiledPattern, SourceScratch } from './types.js';
import { parseIso } from './time.js';
import { parseLoggedDuration as parseDuration, parseSize } from '@vigil/proto';

const NUMERIC = new Set(['vigil.failures', 'vigil.pam.failures', 'source.port', 'process.pid', 'vigil.repeat', 'vigil.attempts', 'process.exit_code']);

export function coercionOf(key: string): Coercion {
  if (key === '') return 0;
  if (key === 'source.address') return 2;
  if (key === '@timestamp') return 3;
  if (NUMERIC.has(key)) return 4;
  if (key === 'backup.size') return 5;
  if (key === 'event.duration') return 6;
  return 1;
}

export function write(out: EcsFields, key: string, how: Coercion, value: string): void {
  switch (how) {
    case 1: out[key] = value; return;
    case 2: setSource(out, value); return;
    case 3: {
      const st = parseIso(value);
      if (st && Number.isFinite(st.ms)) out[key] = new Date(st.ms).toISOString();
      return;
    }
    case 4: {
      const n = Number(value);
      if (Number.isFinite(n)) out[key] = n;
      return;
    }
    case 5: { const b = parseSize(value); if (b !== undefined) out[key] = b; return; }
    case 6: { const d = parseDuration(value); if (d !== undefined) out[key] = d; return; }
    default:
  }
}

export function setField(out: EcsFields, key: string, value: string): void {
  if (value !== '') write(out, key, coercionOf(key), value);
}

const scratch: SourceScratch = { ip: undefined, address: undefined, port: undefined };

/** Writes pattern `p`'s fields for match `m` into `out` (its compiled writer). */
export function applyPattern(out: EcsFields, p: CompiledPattern, m: RegExpExecArray, src: SourceScratch = scratch): void {
  p.write(out, m, src);
}
