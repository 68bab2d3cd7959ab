/**
 * The running compliance service: owns the loaded checks and the schedule. Each tick
 * (default every minute, and on demand) it evaluates every check against the collector's
 * clock, writes the daily report if due (with those fresh results), raises alerts for
 * pass/fail changes and prunes old rows. The latest results are cached for the API and /metrics.
 */
import type { CollectorContext } from '../context.js';
import type { DB } from '../store/db.js';
import { evaluateAll } from './engine.js';
import { latestResults } from './history.js';
import { raiseTransition } from './alerting.js';
import type { ComplianceConfig } from './settings.js';
import type { AlertSink } from '../alerts/types.js';
import type { CheckDef, CheckResult } from './types.js';
import { dueReportDate, generateReport, type ReportEnv } from '../reports/daily.js';

/** Derived rows are kept long enough for the longest window (dr-test: 90 days) plus slack. */
const DERIVED_KEEP_MS = 400 * 86_400_000;

export class ComplianceService {
  readonly reportEnv: ReportEnv;
  private cache: CheckResult[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  /** `sink`: where check transitions become alerts (the alerts service); without one they go on ctx.bus only. */
  constructor(private readonly ctx: CollectorContext, private readonly checkList: CheckDef[], private readonly cfg: ComplianceConfig, private readonly sink?: AlertSink) {
    this.reportEnv = { db: ctx.db, writer: ctx.writer, dataDir: ctx.dataDir, checks: () => this.checkList, now: () => ctx.now(), reportAtMs: cfg.reportAtMs };
  }

  get db(): DB { return this.ctx.db; }
  checks(): CheckDef[] { return this.checkList; }

  latest(): CheckResult[] {
    this.cache ??= latestResults(this.ctx.db, this.checkList);
    return this.cache;
  }

  /**
   * One pass: evaluation, due report, alerts, pruning. Passes run one at a time: a call
   * while one runs waits for it, then runs its own (so an on-demand evaluation is fresh).
   */
  evaluateNow(): Promise<CheckResult[]> {
    const run = this.running.then(() => this.evaluate());
    this.running = run.catch(() => undefined);
    return run;
  }

  private async evaluate(): Promise<CheckResult[]> {
    const now = this.ctx.now();
    const env = { db: this.ctx.db, now, dataDir: this.ctx.dataDir };
    const { results, transitions } = await evaluateAll(this.checkList, env, this.ctx.writer, (fresh) => this.writeDueReport(fresh));
    for (const t of transitions) {
      try { await raiseTransition(this.ctx, t, now, this.sink); } catch (e) { this.ctx.log.warn('compliance alert not raised', { check: t.check.id, err: (e as Error).message }); }
    }
    await this.ctx.writer.run('compliance.prune', { now, historyMs: this.cfg.historyMs, derivedMs: DERIVED_KEEP_MS });
    this.cache = results;
    return results;
  }

  /** Writes today's report when its deadline has passed and it is not there yet. */
  private async writeDueReport(fresh: CheckResult[]): Promise<void> {
    const due = dueReportDate(this.reportEnv);
    if (!due) return;
    try {
      await generateReport(this.reportEnv, due, fresh);
      this.ctx.log.info('daily report written', { date: due });
    } catch (e) {
      this.ctx.log.error('daily report failed', { date: due, err: (e as Error).message });
    }
  }

  start(): void {
    const run = () => {
      if (this.timer === undefined) return; // stopped
      if (!this.ctx.db.open) { void this.stop(); return; }
      this.evaluateNow().catch((e: Error) => this.ctx.log.error('compliance evaluation failed', { err: e.message }));
    };
    this.timer = setInterval(run, this.cfg.intervalMs);
    this.timer.unref();
    setImmediate(run);
  }

  /** Ends the schedule; resolves once a pass in progress has finished (its commands answered). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
