/**
 * Per-pattern field writers. A generic loop that writes any pattern's keys into events is
 * one store site seeing hundreds of object shapes (megamorphic, several times slower), so
 * each compiled pattern gets its own small writer with one store site per field. Only the
 * property names are embedded in the generated source, as JSON string literals (JSON is
 * valid JavaScript); constants and helpers are passed in, and no YAML value is ever
 * evaluated as code. Semantics are those of fields.ts (coercion by ECS key).
 */
import type { EcsFields } from '../model.js';
import { normaliseIp } from './address.js';
import type { Coercion, SourceScratch, Writer } from './types.js';

type Generic = (out: EcsFields, key: string, how: Coercion, value: string) => void;

/** A fresh copy of a constant list (short literals are cheaper than slice()). */
export function copyList(v: unknown[]): unknown[] {
  switch (v.length) {
    case 1: return [v[0]];
    case 2: return [v[0], v[1]];
    default: return v.slice();
  }
}

export function compileWriter(
  id: string, fieldKeys: string[], fieldValues: unknown[], keys: string[], coerce: Coercion[], generic: Generic,
): Writer {
  const q = JSON.stringify;
  const lines: string[] = ['let v, n, ip;'];
  fieldKeys.forEach((k, i) => {
    lines.push(Array.isArray(fieldValues[i]) ? `out[${q(k)}] = copy(c[${i}]);` : `out[${q(k)}] = c[${i}];`);
  });
  keys.forEach((k, i) => {
    const how = coerce[i];
    if (how === 0) return;
    const get = `v = m[${i + 1}]; if (v !== undefined && v !== '')`;
    if (how === 1) {
      lines.push(`${get} out[${q(k)}] = v;`);
    } else if (how === 2) { // setSource: the address as written, and the IP when it is one
      lines.push(`${get} if (v !== 'UNKNOWN' && v !== 'unknown') { out['source.address'] = v; s.address = v;`
        + ` ip = nip(v); if (ip !== undefined) { out['source.ip'] = ip; s.ip = ip;`
        + ` if (ip.length !== v.length && ip.indexOf(':') < 0) { out['source.address'] = ip; s.address = ip; } } }`); // ::ffff:a.b.c.d
    } else if (how === 4) {
      const port = k === 'source.port' ? ' s.port = n;' : '';
      lines.push(`${get} { n = Number(v); if (Number.isFinite(n)) { out[${q(k)}] = n;${port} } }`);
    } else {
      lines.push(`${get} w(out, keys[${i}], ${how}, v);`);
    }
  });
  lines.push('out["vigil.decoder"] = id;');
  const factory = new Function('c', 'copy', 'nip', 'w', 'keys', 'id',
    `"use strict"; return function write(out, m, s) {\n${lines.join('\n')}\n};`);
  return factory(fieldValues, copyList, normaliseIp, generic, keys, id) as Writer;
}
