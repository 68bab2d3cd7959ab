// Baseline: fail2ban-regex (Debian package) checking a file against its stock sshd filter,
// the usual way to test fail2ban's detection offline. Returns wall time and lines/s.
import { spawn } from 'node:child_process';
import { ensureDebianPackage } from './apt.mjs';

export async function fail2banRegex(file, lines) {
  if (!ensureDebianPackage('fail2ban', '/usr/bin/fail2ban-regex')) return null;
  const t0 = process.hrtime.bigint();
  const proc = spawn('/usr/bin/fail2ban-regex', [file, '/etc/fail2ban/filter.d/sshd.conf'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; if (out.length > 1 << 20) out = out.slice(-65536); });
  const code = await new Promise((r) => proc.on('exit', r));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (code !== 0) throw new Error(`fail2ban-regex exited ${code}`);
  const matched = /Lines: \d+ lines, \d+ ignored, (\d+) matched/.exec(out)?.[1];
  return { lines, seconds, linesPerSec: lines / seconds, matched: matched ? Number(matched) : undefined };
}
