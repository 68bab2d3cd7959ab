/**
 * The built agent (`dist/main.js`, what `./vigil agent` execs) as a real process against
 * the protocol-speaking test collector: a tailed file and the journal (stand-in journalctl
 * via VIGIL_JOURNALCTL) arrive with contiguous sequences; SIGTERM exits 0 and ends the
 * journalctl child; a restart resumes without repeating anything.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newState, startFakeCollector, until } from './ws-collector.js';

const MAIN = join(__dirname, '..', 'dist', 'main.js');
const FIXTURE = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'journal', 'journalctl-auth.jsonl');
// a stand-in journalctl: prints the recorded entries after --after-cursor, then follows nothing
const FAKE = `#!/bin/sh
after=""
for a in "$@"; do case "$a" in --after-cursor=*) after="\${a#--after-cursor=}";; esac; done
dir=$(dirname "$0")
if [ -z "$after" ]; then cat "$dir/history.jsonl"; else awk -v c="$after" 'p{print} index($0, "\\"__CURSOR\\":\\"" c "\\"")>0{p=1}' "$dir/history.jsonl"; fi
echo $$ > "$dir/pid"
exec sleep 600
`;

const dir = mkdtempSync(join(tmpdir(), 'vigil-agent-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function startAgent(url: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [MAIN, '--collector', url, '--token', 'good-token', '--state', join(dir, 'state'),
    '--name', 'web-1', '--config', join(dir, 'agent.yaml')], { env: { ...process.env, ...env, VIGIL_LOG: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => { stderrText += s; });
  return child;
}
let stderrText = '';

describe('vigil agent (built CLI)', () => {
  it('streams a file and the journal, stops cleanly on SIGTERM, and resumes without repeats', async () => {
    const bin = join(dir, 'journalctl');
    writeFileSync(bin, FAKE);
    chmodSync(bin, 0o755);
    copyFileSync(FIXTURE, join(dir, 'history.jsonl'));
    const log = join(dir, 'backup.log');
    writeFileSync(log, Array.from({ length: 50 }, (_, i) => `time=2024-11-27T03:00:${String(i).padStart(2, '0')}Z job=pg kind=full status=succeeded n=${i}\n`).join(''));
    writeFileSync(join(dir, 'agent.yaml'), `files:\n  - path: ${log}\n    type: backup\njournal:\n  - match: { SYSLOG_FACILITY: ["10", "4"] }\n    type: auth\n`);
    const st = newState();
    const c = await startFakeCollector(st);
    try {
      let agent = startAgent(c.url, { VIGIL_JOURNALCTL: bin });
      await until(() => st.events.size === 65, 15_000, '50 lines and 15 journal entries');
      const texts = [...st.events.values()].map((e) => e.line!.text);
      expect(texts.filter((t) => t.includes('job=pg')).length).toBe(50);
      expect(texts.filter((t) => t.startsWith('2024-11-27T08:00:')).length).toBe(15);
      expect([...st.events.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 65 }, (_, i) => i + 1));
      const jpid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
      agent.kill('SIGTERM');
      const code = await new Promise((r) => agent.once('exit', r));
      expect(code).toBe(0);
      await until(() => { try { process.kill(jpid, 0); return false; } catch { return true; } }, 5000, 'journalctl gone');

      appendFileSync(log, 'time=2024-11-27T04:00:00Z job=pg kind=full status=failed n=50\n');
      agent = startAgent(c.url, { VIGIL_JOURNALCTL: bin });
      await until(() => st.events.size === 66, 15_000, 'the new line');
      await new Promise((r) => setTimeout(r, 300));
      expect(st.events.size).toBe(66);
      expect(st.duplicates).toBe(0);
      expect(st.events.get(66)!.line!.text).toContain('n=50');
      expect(st.hellos[1].instanceId).toBe(st.hellos[0].instanceId);
      agent.kill('SIGTERM');
      expect(await new Promise((r) => agent.once('exit', r))).toBe(0);
    } finally {
      await c.close();
    }
    expect(stderrText).not.toMatch(/"level":"error"/);
  });
});
