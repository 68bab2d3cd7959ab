/**
 * The daily security report's JSON shape: alerts by severity and rule, top attacking
 * sources, new users, sudo abuse, backup and deployment summaries, and compliance
 * status, for the 24 hours that end at the report's deadline (06:00 UTC by default).
 */
import type { CheckResult } from '../compliance/types.js';

export interface DailyReport {
  date: string;
  period: { from: string; to: string };
  generated_at: string;
  /** True when generated before the period ended (on demand); such reports are not stored. */
  partial: boolean;
  alerts: {
    total: number;
    by_severity: Record<string, number>;
    by_rule: Array<{ rule_id: string; rule_name: string | null; severity: string; count: number }>;
  };
  top_sources: Array<{ source: string; attempts: number; users: number }>;
  new_users: Array<{ event_id: number; time: string; user: string; host: string | null }>;
  sudo_abuse: Array<{ event_id: number; time: string; user: string | null; host: string | null; action: string | null; message: string | null }>;
  backups: {
    succeeded: number; failed: number;
    jobs: Array<{ job: string | null; kind: string | null; succeeded: number; failed: number; last_success: string | null }>;
  };
  deployments: {
    succeeded: number; failed: number; rolled_back: number;
    failures: Array<{ event_id: number; time: string; service: string | null; version: string | null; id: string | null; status: string }>;
  };
  compliance: Array<Pick<CheckResult, 'id' | 'title' | 'status' | 'value' | 'threshold' | 'unit' | 'evaluated_at'>>;
}
