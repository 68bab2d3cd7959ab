/**
 * The contract's backup and deployment status records (logfmt or JSON keys: time, job,
 * kind, status, duration, size, error / service, version, id, user) into ECS fields:
 * event.action is the status, event.outcome follows it, duration in ns, size in bytes.
 * Also restic's `--json` summary and exit_error records.
 */
import type { EcsFields } from '../model.js';
import { parseLoggedDuration as parseDuration, parseSize } from '@vigil/proto';

const BACKUP_STATUS: Record<string, string> = {
  started: 'started', start: 'started', running: 'started',
  succeeded: 'succeeded', success: 'succeeded', ok: 'succeeded', completed: 'succeeded', done: 'succeeded',
  failed: 'failed', failure: 'failed', error: 'failed',
};
const DEPLOY_STATUS: Record<string, string> = {
  ...BACKUP_STATUS, rolled_back: 'rolled_back', 'rolled-back': 'rolled_back', rollback: 'rolled_back', rolledback: 'rolled_back',
};
const OUTCOME: Record<string, string> = { started: 'unknown', succeeded: 'success', failed: 'failure', rolled_back: 'failure' };

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function setStatus(out: EcsFields, rec: Record<string, unknown>, table: Record<string, string>): boolean {
  const raw = str(rec.status);
  if (raw === undefined) return false;
  const status = table[raw.toLowerCase()];
  if (status === undefined) { out['event.action'] = raw; out['event.outcome'] = 'unknown'; return true; }
  out['event.action'] = status;
  out['event.outcome'] = OUTCOME[status];
  return true;
}

function common(out: EcsFields, rec: Record<string, unknown>): void {
  const d = parseDuration(rec.duration);
  if (d !== undefined) out['event.duration'] = d;
  const err = str(rec.error);
  if (err !== undefined) out['error.message'] = err;
  const host = str(rec.host);
  if (host !== undefined) out['host.name'] = host;
}

/** True when rec was a backup status record (fields written to out). */
export function backupRecord(out: EcsFields, rec: Record<string, unknown>): boolean {
  if (rec.message_type === 'summary' || rec.message_type === 'exit_error') return resticJson(out, rec);
  const job = str(rec.job);
  if (!setStatus(out, rec, BACKUP_STATUS) && job === undefined) return false;
  out['event.category'] = ['process'];
  out['event.type'] = [out['event.action'] === 'started' ? 'start' : 'end'];
  if (job !== undefined) out['backup.job'] = job;
  const kind = str(rec.kind);
  if (kind !== undefined) out['backup.kind'] = kind;
  const size = parseSize(rec.size);
  if (size !== undefined) out['backup.size'] = size;
  common(out, rec);
  out['vigil.decoder'] = 'backup-status';
  return true;
}

/** True when rec was a deployment status record. */
export function deploymentRecord(out: EcsFields, rec: Record<string, unknown>): boolean {
  const service = str(rec.service);
  if (!setStatus(out, rec, DEPLOY_STATUS) && service === undefined) return false;
  out['event.category'] = ['configuration'];
  out['event.type'] = ['change'];
  if (service !== undefined) out['deployment.service'] = service;
  const version = str(rec.version);
  if (version !== undefined) out['deployment.version'] = version;
  const id = str(rec.id);
  if (id !== undefined) out['deployment.id'] = id;
  const user = str(rec.user);
  if (user !== undefined) out['user.name'] = user;
  common(out, rec);
  out['vigil.decoder'] = 'deployment-status';
  return true;
}

/** restic --json: the summary of a successful backup, or a fatal exit_error. */
function resticJson(out: EcsFields, rec: Record<string, unknown>): boolean {
  out['backup.job'] = 'restic';
  out['event.category'] = ['process'];
  out['event.type'] = ['end'];
  if (rec.message_type === 'summary') {
    out['event.action'] = 'succeeded';
    out['event.outcome'] = 'success';
    const size = parseSize(rec.total_bytes_processed);
    if (size !== undefined) out['backup.size'] = size;
    const d = parseDuration(rec.total_duration);
    if (d !== undefined) out['event.duration'] = d;
    const snap = str(rec.snapshot_id);
    if (snap !== undefined) out['vigil.snapshot'] = snap;
  } else {
    out['event.action'] = 'failed';
    out['event.outcome'] = 'failure';
    const msg = str(rec.message);
    if (msg !== undefined) out['error.message'] = msg;
    const code = str(rec.code);
    if (code !== undefined) out['error.code'] = code;
  }
  out['vigil.decoder'] = 'restic-json';
  return true;
}
