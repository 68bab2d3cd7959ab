/**
 * Webhook message bodies for a group of alert notifications: generic JSON (the alerts in
 * full, up to a cap, plus counts) and Slack-compatible `{"text": ...}` where every piece
 * of attacker-controllable text goes through sanitize.ts (Slack's &, <, > escaped, bidi and
 * zero-width characters made visible) so it can never become a link, mention or markup.
 */
import type { Alert } from '../model.js';
import { slackText } from './sanitize.js';

export type NoticeKind = 'opened' | 'updated' | 'acknowledged' | 'resolved' | 'escalated';
export interface Notice { alert: Alert; kind: NoticeKind }

function byRule(items: Notice[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of items) out[n.alert['rule.id']] = (out[n.alert['rule.id']] ?? 0) + 1;
  return out;
}

export function formatJson(items: Notice[], max: number): string {
  return JSON.stringify({
    source: 'vigil',
    count: items.length,
    by_rule: byRule(items),
    notifications: items.slice(0, max).map((n) => ({ change: n.kind, alert: n.alert })),
    omitted: Math.max(0, items.length - max),
  });
}

function line(n: Notice): string {
  const a = n.alert;
  const group = Object.entries(a.group).map(([k, v]) => `${k}=${v}`).join(' ');
  const where = a['agent.name'] ? ` on ${a['agent.name']}` : '';
  const tag = n.kind === 'escalated' ? 'ESCALATED, unacknowledged' : n.kind;
  return slackText(`[${a.severity}] ${a['rule.name']} (${a['rule.id']}) ${tag}: ${group}${where}, count ${a.count}, last seen ${a.last_seen}, alert #${a.id}`);
}

export function formatSlack(items: Notice[], max: number): string {
  const head = items.length === 1 ? 'Vigil alert' : `Vigil: ${items.length} alert notifications`;
  const lines = items.slice(0, max).map((n) => `• ${line(n)}`);
  if (items.length > max) {
    const rules = Object.entries(byRule(items)).map(([r, c]) => `${r}: ${c}`).join(', ');
    lines.push(slackText(`…and ${items.length - max} more (${rules})`));
  }
  return JSON.stringify({ text: `${head}\n${lines.join('\n')}` });
}
