// Alert latency under load: a real collector and agent; a background writer appends 10k
// benign lines/s to the tailed auth.log while, every 400 ms, a new source makes 5 failed
// attempts within a second. Latency = from the append of the 5th attempt to the alert's
// arrival on the SSE feed. Prints p50/p90/p99 over the samples; asserts nothing.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, stop, vigilSync, freePort, waitFor, sleep } from './lib/procs.mjs';

const SECONDS = Number(process.env.VIGIL_BENCH_LATENCY_S || 40);
const RATE = Number(process.env.VIGIL_BENCH_BG_RATE || 10_000);

function syslogTime(d = new Date()) {
  const mon = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  return `${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
}

function openFeed(url, token, onAlert) {
  const req = request(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (res) => {
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (c) => {
      buf += c;
      let i;
      while ((i = buf.indexOf('\n\n')) !== -1) {
        const block = buf.slice(0, i); buf = buf.slice(i + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
        if (data) onAlert(JSON.parse(data), Date.now());
      }
    });
  });
  req.on('error', () => {});
  req.end();
  return req;
}

export async function benchAlertLatency() {
  const work = mkdtempSync(join(tmpdir(), 'vigil-lat-'));
  const data = join(work, 'data');
  const port = await freePort();
  const api = vigilSync(['token', 'create', '--data', data, '--api', 'bench', '--role', 'viewer']);
  const tok = vigilSync(['token', 'create', '--data', data, '--agent', 'lat']);
  const collector = start(['collector', '--listen', `127.0.0.1:${port}`, '--data', data]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/api/health`).catch(() => null))?.ok, 20_000, 'collector');
  const log = join(work, 'auth.log');
  writeFileSync(log, '');
  writeFileSync(join(work, 'agent.yaml'), `files:\n  - path: ${log}\n    type: auth\n`);
  const agent = start(['agent', '--collector', `ws://${url.slice(7)}`, '--token', tok, '--state', join(work, 'state'), '--name', 'lat', '--config', join(work, 'agent.yaml')]);
  const sentAt = new Map();
  const latencies = [];
  const feed = openFeed(`${url}/api/feed?rule.id=ssh-brute-force`, api, (msg) => {
    const alert = msg.alert ?? msg;
    const ip = alert.group?.['source.ip'];
    if (sentAt.has(ip)) { latencies.push(Date.now() - sentAt.get(ip)); sentAt.delete(ip); }
  });
  await sleep(2000);
  let bgLines = 0;
  const perTick = RATE / 20;
  const bg = setInterval(() => {
    let s = '';
    const ts = syslogTime();
    for (let i = 0; i < perTick; i++, bgLines++) s += `${ts} web-1 sshd[${2000 + (bgLines % 9000)}]: Accepted publickey for deploy from 10.1.${(bgLines >> 8) & 255}.${bgLines & 255} port ${1024 + (bgLines % 60000)} ssh2\n`;
    appendFileSync(log, s);
  }, 50);
  const t0 = Date.now();
  let n = 0;
  while (Date.now() - t0 < SECONDS * 1000) {
    const ip = `198.18.${(n >> 8) & 255}.${n & 255}`;
    n++;
    for (let k = 0; k < 4; k++) appendFileSync(log, `${syslogTime()} web-1 sshd[${30000 + n}]: Failed password for invalid user x${k} from ${ip} port ${40000 + k} ssh2\n`);
    await sleep(100);
    appendFileSync(log, `${syslogTime()} web-1 sshd[${30000 + n}]: Failed password for invalid user x4 from ${ip} port 40004 ssh2\n`);
    sentAt.set(ip, Date.now());
    await sleep(300);
  }
  clearInterval(bg);
  const bgRate = bgLines / ((Date.now() - t0) / 1000);
  await sleep(2000);
  feed.destroy();
  await stop(agent);
  await stop(collector);
  rmSync(work, { recursive: true, force: true });
  const s = latencies.sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  console.log(`\n== Alert latency, ${Math.round(bgRate).toLocaleString('en-US')} background lines/s, ${n} brute-force bursts ==`);
  console.log(`  alerts received ${s.length}/${n}; p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms, max ${s[s.length - 1]} ms (target p99 < 1000 ms)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchAlertLatency();
