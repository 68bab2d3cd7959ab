// Baseline: rsyslog (Debian package) reading a file with imfile and forwarding every line
// over TCP with omfwd to a local listener that accepts several connections and counts
// lines. Returns the wall time from rsyslogd's start until the listener has every line.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDebianPackage } from './apt.mjs';

export async function rsyslogForward(file, expectedLines, workDir) {
  if (!ensureDebianPackage('rsyslog', '/usr/sbin/rsyslogd')) return null;
  mkdirSync(join(workDir, 'state'), { recursive: true });
  let received = 0;
  let done;
  const finished = new Promise((r) => { done = r; });
  const server = createServer((sock) => {
    sock.on('data', (buf) => {
      for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) received++;
      if (received >= expectedLines) done();
    });
    sock.on('error', () => {});
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  const conf = join(workDir, 'rsyslog.conf');
  writeFileSync(conf, `
global(workDirectory="${join(workDir, 'state')}" maxMessageSize="64k")
module(load="imfile" mode="inotify")
input(type="imfile" file="${file}" tag="auth" ruleset="fwd" freshStartTail="off" persistStateInterval="0")
ruleset(name="fwd" queue.type="LinkedList" queue.size="200000" queue.dequeueBatchSize="1024") {
  action(type="omfwd" target="127.0.0.1" port="${port}" protocol="tcp"
         queue.type="LinkedList" queue.size="200000" queue.dequeueBatchSize="1024")
}
`);
  const check = spawnSync('/usr/sbin/rsyslogd', ['-N1', '-f', conf], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`rsyslog config rejected: ${check.stderr}`);
  const t0 = process.hrtime.bigint();
  const proc = spawn('/usr/sbin/rsyslogd', ['-n', '-f', conf, '-i', join(workDir, 'rsyslogd.pid')], { stdio: 'ignore' });
  const timeout = setTimeout(() => done(), 300_000);
  await finished;
  clearTimeout(timeout);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  proc.kill('SIGTERM');
  await new Promise((r) => proc.on('exit', r));
  server.close();
  return { lines: received, seconds, linesPerSec: received / seconds };
}
