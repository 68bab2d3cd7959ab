// Writes a large, varied auth.log for throughput benchmarks: sshd failures and successes,
// sessions, sudo and cron noise, from a fixed seed so every run reads the same bytes.
import { createWriteStream } from 'node:fs';

export async function writeAuthLog(file, lines, seed = 42) {
  let s = seed >>> 0;
  const rnd = (n) => { s = (s * 1664525 + 1013904223) >>> 0; return s % n; };
  const out = createWriteStream(file);
  const t0 = Date.UTC(2026, 10, 1) / 1000;
  const month = 'Nov';
  let buf = '';
  for (let i = 0; i < lines; i++) {
    const t = t0 + Math.floor(i / 50);
    const d = new Date(t * 1000);
    const ts = `${month} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
    const pid = 1000 + rnd(30000);
    const ip = `${1 + rnd(223)}.${rnd(256)}.${rnd(256)}.${rnd(256)}`;
    const port = 1024 + rnd(60000);
    let msg;
    switch (rnd(10)) {
      case 0: case 1: case 2: msg = `sshd[${pid}]: Failed password for invalid user user${rnd(500)} from ${ip} port ${port} ssh2`; break;
      case 3: msg = `sshd[${pid}]: Invalid user admin${rnd(50)} from ${ip} port ${port}`; break;
      case 4: msg = `sshd[${pid}]: Failed password for root from ${ip} port ${port} ssh2`; break;
      case 5: msg = `sshd[${pid}]: Accepted publickey for deploy from ${ip} port ${port} ssh2: RSA SHA256:abcdef${rnd(1000)}`; break;
      case 6: msg = `sshd[${pid}]: pam_unix(sshd:session): session opened for user deploy(uid=1000) by (uid=0)`; break;
      case 7: msg = `sshd[${pid}]: Received disconnect from ${ip} port ${port}:11: Bye Bye [preauth]`; break;
      case 8: msg = `sudo:   deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/systemctl restart app`; break;
      default: msg = `CRON[${pid}]: pam_unix(cron:session): session closed for user root`;
    }
    buf += `${ts} web-1 ${msg}\n`;
    if (buf.length > 1 << 20) { if (!out.write(buf)) await new Promise((r) => out.once('drain', r)); buf = ''; }
  }
  out.write(buf);
  await new Promise((r, j) => out.end((e) => (e ? j(e) : r())));
}
