/**
 * `vigil replay FILE... --type TYPE [--json] [--rules DIR] [--until TIME]`: decodes each line and runs
 * the detection rules offline, in event time (src/rules/replay.ts). Without --json it
 * prints a summary (lines read, decoded, unparsed, alerts by rule); with --json, NDJSON:
 * one {"record":"event",...} per line, then one {"record":"alert",...} per alert in its
 * final state. Exit 2 on bad usage naming the flag, 1 on a runtime failure.
 */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, UsageError } from './args.js';
import { LOG_TYPES } from '../decoders/index.js';
import { RULESET_DIR } from '../paths.js';
import { replayFiles } from '../rules/replay.js';
import { toAlert } from '../rules/alert-record.js';
import { RuleError } from '../rules/schema.js';
import type { EcsFields } from '../model.js';

const HELP = `usage: vigil replay FILE... --type TYPE [--json] [--rules DIR] [--until TIME]

Decodes every line of each FILE as TYPE and runs the detection rules as the collector
would, in event time (at the end of input no absence fires for the time until now,
unless --until says how far the clock goes on).
  --type TYPE   ${LOG_TYPES.join(' | ')}
  --json        NDJSON on stdout: {"record":"event",...} per line, then {"record":"alert",...}
                per alert in its final state
  --rules DIR   detection rules folder (default: the built-in ruleset/detections)
  --until TIME  after the last line, let event time run on to TIME ("now" or an ISO 8601
                time): absences due by then fire ("no database backup for 6 h"), quiet
                alerts resolve
`;

/** --until: "now" or an ISO 8601 time, as epoch ms. */
function untilMs(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (v === 'now') return Date.now();
  const ms = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw new UsageError(`--until: expected "now" or an ISO 8601 time such as 2026-11-27T12:00:00Z, got ${JSON.stringify(v)}`);
  return ms;
}

export async function run(argv: string[]): Promise<number> {
  let files: string[], type: string, json: boolean, rulesDir: string, until: number | undefined;
  try {
    const args = parseArgs(argv, { type: 'string', json: 'boolean', rules: 'string', until: 'string' });
    if (args.help) { process.stdout.write(HELP); return 0; }
    const t = args.flags.type;
    if (typeof t !== 'string') throw new UsageError('missing required flag --type');
    if (!(LOG_TYPES as readonly string[]).includes(t)) throw new UsageError(`--type: unknown type ${JSON.stringify(t)} (one of ${LOG_TYPES.join(', ')})`);
    if (!args.positionals.length) throw new UsageError('missing FILE (vigil replay FILE... --type TYPE)');
    files = args.positionals; type = t; json = args.flags.json === true;
    rulesDir = typeof args.flags.rules === 'string' ? args.flags.rules : join(RULESET_DIR, 'detections');
    until = untilMs(args.flags.until);
  } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`vigil replay: ${e.message}\n`); return 2; }
    throw e;
  }
  for (const f of files) {
    try { accessSync(f, constants.R_OK); } catch (e) {
      process.stderr.write(`vigil replay: cannot read ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return 1;
    }
  }
  const out = new Output();
  try {
    const sum = await replayFiles(files, {
      type, rulesDir, untilMs: until,
      onEvent: json ? (f: EcsFields) => out.line({ record: 'event', ...f }) : undefined,
      afterChunk: () => out.drain(),
    });
    if (json) {
      for (const a of sum.alerts) out.line({ record: 'alert', ...toAlert(a) });
    } else {
      const rules = Object.entries(sum.byRule).sort((a, b) => a[0].localeCompare(b[0]));
      out.text(`lines read: ${sum.lines}\ndecoded: ${sum.decoded}\nunparsed: ${sum.unparsed}\nalerts: ${sum.alerts.length}\n`);
      for (const [rule, n] of rules) out.text(`  ${rule}: ${n}\n`);
    }
    await out.drain(true);
    return 0;
  } catch (e) {
    if (e instanceof OutputClosed) return 0;
    await out.drain(true).catch(() => undefined);
    const msg = e instanceof RuleError ? `invalid rules: ${e.message}` : (e as Error).message;
    process.stderr.write(`vigil replay: ${msg}\n`);
    return 1;
  }
}

class OutputClosed extends Error {}

/**
 * Buffered stdout that waits for the pipe to drain (replay streams, never piles up); when
 * the reader goes away (EPIPE, e.g. `| head`) the replay stops quietly.
 */
class Output {
  private buf: string[] = [];
  private size = 0;
  private closed = false;
  constructor() {
    process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') this.closed = true; else throw e; });
  }
  line(o: unknown): void { this.text(JSON.stringify(o) + '\n'); }
  text(s: string): void { this.buf.push(s); this.size += s.length; }
  async drain(force = false): Promise<void> {
    if (this.closed) throw new OutputClosed();
    if (!this.size || (!force && this.size < 1 << 16)) return;
    const chunk = this.buf.join('');
    this.buf = []; this.size = 0;
    if (!process.stdout.write(chunk)) {
      await new Promise<void>((r) => { process.stdout.once('drain', r); process.stdout.once('error', () => r()); });
    }
    if (this.closed) throw new OutputClosed();
  }
}
