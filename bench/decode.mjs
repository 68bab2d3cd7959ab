// Decode throughput: the auth fixtures (loghub OpenSSH_2k + elastic auth samples) repeated to
// ~1M lines through one `auth` stream decoder, and Linux_2k through `syslog`. Prints lines/s
// (median of 3 runs) and the ratio to a baseline measured in the same run: a naive decoder
// that runs one combined regex per line (the shape of fail2ban-regex's failregex matching).
// Target: decode >= 1.2M lines/s on one core (auth). Needs `tsc -b` first (uses dist/).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDecoder } from '../packages/collector/dist/decoders/index.js';

const FIX = fileURLToPath(new URL('../test/fixtures/', import.meta.url));
const TARGET = 1_000_000;
const READ = Date.UTC(2026, 0, 15);

function corpus(files) {
  const base = files.flatMap((f) => readFileSync(join(FIX, f), 'utf8').split('\n').filter(Boolean));
  const out = [];
  while (out.length < TARGET) out.push(...base);
  return out.slice(0, TARGET);
}

function median(xs) { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; }

function run(lines, fn) {
  const rates = [];
  for (let r = 0; r < 3; r++) {
    const t0 = process.hrtime.bigint();
    fn(lines);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push(lines.length / s);
  }
  return median(rates);
}

const NAIVE = /^(\w{3}\s+\d+ [\d:]+) (\S+) (\S+?)(?:\[(\d+)\])?: (?:Failed \S+ for (?:invalid user )?(.*) from (\S+) port (\d+)|Invalid user (.*) from (\S+)|Accepted \S+ for (.*) from (\S+) port (\d+)|.*rhost=(\S*))?/;
function naive(lines) {
  let n = 0;
  for (const l of lines) { const m = NAIVE.exec(l); if (m) n += m.length; }
  return n;
}

function decodeWith(type) {
  return (lines) => {
    const d = createDecoder(type);
    let n = 0;
    for (let i = 0; i < lines.length; i++) n += d.decode(lines[i], { readTimeMs: READ, offset: i }) ? 1 : 0;
    return n;
  };
}

const auth = corpus(['loghub/OpenSSH_2k.log', ...readdirSync(join(FIX, 'elastic-auth')).map((f) => `elastic-auth/${f}`)]);
const syslog = corpus(['loghub/Linux_2k.log']);
decodeWith('auth')(auth.slice(0, 50_000)); // warm up
naive(auth.slice(0, 50_000));

const base = run(auth, naive);
const a = run(auth, decodeWith('auth'));
const s = run(syslog, decodeWith('syslog'));
const fmt = (x) => `${Math.round(x).toLocaleString('en-US')} lines/s`;
console.log(`decode bench (${TARGET.toLocaleString('en-US')} lines, median of 3, node ${process.version})`);
console.log(`  baseline: one combined regex per line   ${fmt(base)}`);
console.log(`  auth   (OpenSSH_2k + elastic-auth)      ${fmt(a)}   ratio to baseline ${(a / base).toFixed(2)}x   target 1,200,000: ${a >= 1_200_000 ? 'met' : 'NOT met'}`);
console.log(`  syslog (Linux_2k)                       ${fmt(s)}   ratio to baseline ${(s / base).toFixed(2)}x`);
