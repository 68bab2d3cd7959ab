/**
 * `--type json`: one JSON object per line, flattened to dotted keys. The event time comes
 * from `@timestamp`/`time`/`timestamp`/`ts`, the message from `message`/`msg` (else the
 * whole line). A line that is not a JSON object is kept unparsed. A number beyond a double's
 * range (1e400) is stored as null, with the line kept whole in `event.original`.
 */
import type { EcsFields } from '../model.js';
import type { DecodeMeta, StreamDecoder } from './types.js';
import { isoTime, stripEol, unparsed } from './event.js';
import { flatten, parseJsonObject, recordTime } from './kv.js';

export class JsonDecoder implements StreamDecoder {
  decode(text: string, meta: DecodeMeta): EcsFields {
    const line = stripEol(text);
    let outOfRange = false;
    const rec = parseJsonObject(line.trim(), (_k, v) => {
      if (typeof v === 'number' && !Number.isFinite(v)) { outOfRange = true; return null; }
      return v;
    });
    if (!rec) return unparsed(line, meta.readTimeMs);
    const flat = flatten(rec);
    const msg = typeof flat.message === 'string' ? flat.message : typeof flat.msg === 'string' ? flat.msg : line;
    const out: EcsFields = { ...flat };
    out['@timestamp'] = isoTime(recordTime(rec), meta.readTimeMs);
    out.message = msg;
    if (typeof out['event.kind'] !== 'string') out['event.kind'] = 'event';
    if (outOfRange) out['event.original'] = line;
    out['vigil.decoder'] = 'json';
    return out;
  }
}
