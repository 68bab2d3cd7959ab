/**
 * Compares what the collector made of the lab's auth.log with the clients' ground truth
 * (helpers/attacks.ts): per source, server and user the failed attempts as the rules count
 * them (failures weigh vigil.attempts, 1 when absent; a line that is no failure but carries
 * its connection's attempt, vigil.attempts >= 1, counts that) and the logins; each event's source and
 * user; the alerts per rule and source with their counts. Returns rows for readable tables.
 */
import type { Truth } from './attacks.js';

const SERVERS: Record<string, Truth['server']> = { sshd: 'sshd', 'sshd-session': 'sshd', 'sshd-auth': 'sshd', dropbear: 'dropbear', sudo: 'sudo', su: 'su' };
export const ALERT_RULES = ['ssh-brute-force', 'ssh-brute-force-slow', 'ssh-user-enumeration', 'ssh-success-after-failures', 'ssh-root-login', 'sudo-incorrect-password'];

const isAuth = (e: any) => ([] as string[]).concat(e['event.category'] ?? []).includes('authentication') && SERVERS[e['process.name']] !== undefined;
const serverOf = (e: any) => SERVERS[e['process.name']];
const sourceOf = (e: any): string => e['source.ip'] ?? e['source.address'] ?? (['sudo', 'su'].includes(serverOf(e)) ? 'local' : '(none)');
const weight = (e: any) => (e['vigil.attempts'] === undefined || e['vigil.attempts'] === null ? 1 : Number(e['vigil.attempts']));
const lineOf = (e: any) => String(e.message ?? e['event.original'] ?? '').replace(/^\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ /, '');

export interface AuthRow { source: string; server: string; user: string; expected: string; got: string; lines: string }

/** One row per (source, server, user): expected and got as `F failed, S logins`. */
export function authRows(events: any[], truth: Truth[]): AuthRow[] {
  const rows = new Map<string, { source: string; server: string; user: string; ef: number; es: number; gf: number; gs: number; lines: string[] }>();
  const row = (source: string, server: string, user: string) => {
    const k = `${source}\0${server}\0${user}`;
    let r = rows.get(k);
    if (!r) rows.set(k, (r = { source, server, user, ef: 0, es: 0, gf: 0, gs: 0, lines: [] }));
    return r;
  };
  for (const t of truth) for (const [u, v] of Object.entries(t.users)) { const r = row(t.source, t.server, u); r.ef += v.failures; r.es += v.successes; }
  for (const e of events) {
    if (serverOf(e) === undefined) continue;
    const o = e['event.outcome'];
    const failure = o === 'failure' && isAuth(e);
    const carries = !failure && Number(e['vigil.attempts']) >= 1; // a restating line with its connection's only attempt
    if (!failure && !carries && !(o === 'success' && isAuth(e))) continue;
    const r = row(sourceOf(e), serverOf(e), e['user.name'] ?? '(none)');
    if (o === 'success') r.gs += 1; else r.gf += weight(e);
    r.lines.push(`[${failure ? 'failure' : carries ? 'attempt' : o} x${o === 'success' ? 1 : weight(e)}] ${lineOf(e)}`);
  }
  const fmt = (f: number, s: number) => `${f} failed, ${s} logins`;
  return [...rows.values()].sort(bySource).map((r) => ({ source: r.source, server: r.server, user: r.user, expected: fmt(r.ef, r.es), got: fmt(r.gf, r.gs), lines: r.lines.join('\n') }));
}

/** Auth events whose source or user no client used (a misplaced field, text as a user name). */
export function eventProblems(events: any[], truth: Truth[]): { line: string; problem: string }[] {
  const users = new Map<string, Set<string>>();
  for (const t of truth) {
    const s = users.get(t.source) ?? new Set<string>();
    for (const u of Object.keys(t.users)) s.add(u);
    users.set(t.source, s);
  }
  const out: { line: string; problem: string }[] = [];
  for (const e of events.filter(isAuth)) {
    const src = sourceOf(e);
    const problems: string[] = [];
    if (e['source.address'] !== undefined && e['source.ip'] === undefined) problems.push(`source.address ${JSON.stringify(e['source.address'])} without source.ip`);
    if (!users.has(src)) problems.push(`source ${src}: no client came from there`);
    else if (e['user.name'] !== undefined && !users.get(src)!.has(e['user.name'])) problems.push(`user.name ${JSON.stringify(e['user.name'])}: not a user ${src} tried (${[...users.get(src)!].join(', ') || 'none'})`);
    if (problems.length) out.push({ line: lineOf(e), problem: `${problems.join('; ')} [outcome ${e['event.outcome'] ?? '-'}]` });
  }
  return out;
}

export interface AlertRow { source: string; rule: string; expected: string; got: string }

/** One row per (rule, source) expected or raised: the alert counts (several alerts: all). */
export function alertRows(alerts: any[], truth: Truth[]): AlertRow[] {
  const rows = new Map<string, { source: string; rule: string; expected: number[]; got: number[] }>();
  const row = (source: string, rule: string) => {
    const k = `${source}\0${rule}`;
    let r = rows.get(k);
    if (!r) rows.set(k, (r = { source, rule, expected: [], got: [] }));
    return r;
  };
  const localUsers = new Set(truth.filter((t) => t.source === 'local').flatMap((t) => Object.keys(t.users)));
  for (const t of truth) for (const [rule, n] of Object.entries(t.alerts)) row(t.source, rule).expected.push(n);
  for (const a of alerts) {
    if (!ALERT_RULES.includes(a['rule.id'])) continue;
    const g = a.group ?? {};
    const src = g['source.ip'] ?? g['source.address'] ?? (localUsers.has(g['user.name']) ? 'local' : JSON.stringify(g));
    row(src, a['rule.id']).got.push(a.count);
  }
  const fmt = (c: number[]) => (c.length === 0 ? 'no alert' : c.length === 1 ? `1 alert, count ${c[0]}` : `${c.length} alerts, counts ${c.join(', ')}`);
  return [...rows.values()].sort(bySource).map((r) => ({ source: r.source, rule: r.rule, expected: fmt(r.expected), got: fmt(r.got) }));
}

function bySource(a: { source: string }, b: { source: string }): number {
  return a.source.localeCompare(b.source, 'en', { numeric: true });
}

/** A plain-text table; a multi-line cell continues on the next rows. */
export function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows].map((r) => r.map((c) => String(c).split('\n')));
  const w = head.map((_, i) => Math.min(90, Math.max(...cells.map((r) => Math.max(...r[i].map((l) => l.length))))));
  const out: string[] = [];
  for (const [n, r] of cells.entries()) {
    const h = Math.max(...r.map((c) => c.length));
    for (let j = 0; j < h; j++) out.push(r.map((c, i) => (c[j] ?? '').padEnd(w[i])).join(' | ').trimEnd());
    if (n === 0) out.push(w.map((x) => '-'.repeat(x)).join('-|-'));
  }
  return '\n' + out.join('\n') + '\n';
}
