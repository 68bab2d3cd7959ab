/**
 * Renders a DailyReport as Markdown. Every value that came from logs (user names, hosts,
 * messages, job and service names, rule names) goes through `md()`, which neutralises
 * Markdown and HTML through the outputs' one sanitizer (sanitize.ts): punctuation is
 * backslash-escaped, <, >, &, quotes become entities, bidi and zero-width characters are
 * shown as [U+XXXX], line breaks and control characters become spaces.
 */
import type { DailyReport } from './types.js';
import { markdownText } from '../outputs/sanitize.js';

/** RFC 3339 UTC times, dates and plain numbers: nothing in them Markdown or HTML interprets. */
const SAFE = /^(\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d(\.\d{1,3})?Z)?|-?\d+(\.\d+)?)$/;

/** Escapes untrusted text for a Markdown paragraph or table cell. */
export function md(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  const s = String(v);
  if (SAFE.test(s)) return s; // our own times, dates and numbers carry no markup
  return markdownText(s);
}

function table(head: string[], rows: unknown[][]): string[] {
  if (rows.length === 0) return ['_None._', ''];
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(md).join(' | ')} |`), ''];
}

export function renderMarkdown(r: DailyReport): string {
  const out: string[] = [
    `# Daily security report ${md(r.date)}`, '',
    `Period: ${md(r.period.from)} to ${md(r.period.to)}${r.partial ? ' (partial: the period has not ended)' : ''}. Generated ${md(r.generated_at)}.`, '',
    '## Alerts', '',
    `Total: ${r.alerts.total} (P1 ${r.alerts.by_severity.P1 ?? 0}, P2 ${r.alerts.by_severity.P2 ?? 0}, P3 ${r.alerts.by_severity.P3 ?? 0}, P4 ${r.alerts.by_severity.P4 ?? 0})`, '',
    ...table(['Severity', 'Rule', 'Name', 'Count'], r.alerts.by_rule.map((a) => [a.severity, a.rule_id, a.rule_name, a.count])),
    '## Top attacking sources', '',
    ...table(['Source', 'Failed attempts', 'Distinct users'], r.top_sources.map((s) => [s.source, s.attempts, s.users])),
    '## New users', '',
    ...table(['Time', 'User', 'Host', 'Event'], r.new_users.map((u) => [u.time, u.user, u.host, u.event_id])),
    '## Sudo abuse', '',
    ...table(['Time', 'User', 'Host', 'Action', 'Message', 'Event'], r.sudo_abuse.map((s) => [s.time, s.user, s.host, s.action, s.message, s.event_id])),
    '## Backups', '',
    `Succeeded: ${r.backups.succeeded}, failed: ${r.backups.failed}.`, '',
    ...table(['Job', 'Kind', 'Succeeded', 'Failed', 'Last success'], r.backups.jobs.map((j) => [j.job, j.kind, j.succeeded, j.failed, j.last_success])),
    '## Deployments', '',
    `Succeeded: ${r.deployments.succeeded}, failed: ${r.deployments.failed}, rolled back: ${r.deployments.rolled_back}.`, '',
    ...table(['Time', 'Service', 'Version', 'Id', 'Status', 'Event'], r.deployments.failures.map((d) => [d.time, d.service, d.version, d.id, d.status, d.event_id])),
    '## Compliance', '',
    ...table(['Check', 'Title', 'Status', 'Value', 'Threshold', 'Unit', 'Evaluated'], r.compliance.map((c) => [c.id, c.title, c.status.toUpperCase(), c.value, c.threshold, c.unit, c.evaluated_at])),
  ];
  return out.join('\n');
}
