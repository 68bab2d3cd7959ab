/**
 * `journalctl -o json` lines read from a file (replay, or an agent tailing an export):
 * one JSON object per line whose fields (MESSAGE, SYSLOG_IDENTIFIER, _PID, _HOSTNAME,
 * __REALTIME_TIMESTAMP ...) become the journal fields the syslog decoder already reads for
 * the agent's journal source. Values may be byte arrays (non-UTF-8); see journalFieldText.
 */
import { journalFieldText } from '@vigil/proto';

const KEYS = ['MESSAGE', 'SYSLOG_IDENTIFIER', '_COMM', '_PID', 'SYSLOG_PID', '_HOSTNAME',
  '_SOURCE_REALTIME_TIMESTAMP', '__REALTIME_TIMESTAMP'];

/** The entry's fields as text when `line` is a journal JSON object with a MESSAGE, else undefined. */
export function journalJsonFields(line: string): Record<string, string> | undefined {
  if (line.charCodeAt(0) !== 123 /* { */ || !line.includes('"MESSAGE"')) return undefined;
  let entry: unknown;
  try { entry = JSON.parse(line); } catch { return undefined; }
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return undefined;
  const e = entry as Record<string, unknown>;
  const fields: Record<string, string> = {};
  for (const k of KEYS) {
    const v = journalFieldText(e[k]);
    if (v !== undefined) fields[k] = v;
  }
  return fields.MESSAGE === undefined ? undefined : fields;
}
