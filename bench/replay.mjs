// Offline detection throughput: `vigil replay` (decode + rules, in-process API) over a
// generated 1M-line auth.log (bench/gen-auth.mjs, fixed seed), median of 3 runs, in lines/s,
// plus the same file with the rules alone on pre-decoded events, and fail2ban-regex on the
// same file when it is installed (the baseline; target: vigil >= 10x fail2ban-regex).
// Needs a build (packages/collector/dist). Prints figures; asserts nothing.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateAuthLog } from './gen-auth.mjs';

const LINES = Number(process.env.VIGIL_BENCH_LINES || 1_000_000);
const RUNS = Number(process.env.VIGIL_BENCH_RUNS || 3);
const dist = new URL('../packages/collector/dist/', import.meta.url);
const { replayFiles } = await import(new URL('rules/replay.js', dist));
const { loadRuleset } = await import(new URL('rules/loader.js', dist));
const { RuleEngine } = await import(new URL('rules/engine.js', dist));
const { DEFAULT_GLOBAL_ALLOWLIST } = await import(new URL('rules/allowlist.js', dist));
const { createDecoder } = await import(new URL('decoders/index.js', dist));
const { forEachLine } = await import(new URL('rules/lines.js', dist));
const RULES = new URL('../ruleset/detections', import.meta.url).pathname;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => Math.round(n).toLocaleString('en-US');

const work = mkdtempSync(join(tmpdir(), 'vigil-bench-replay-'));
try {
  const file = join(work, 'auth.log');
  const t0 = Date.now();
  const truth = await generateAuthLog(file, { lines: LINES, seed: 1 });
  console.log(`generated ${fmt(truth.lines)} lines (${truth.fast.length} fast + ${truth.slow.length} slow attackers) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const rules = loadRuleset(RULES, DEFAULT_GLOBAL_ALLOWLIST);

  // Full replay: read + decode + rules.
  const full = [];
  let last;
  for (let i = 0; i < RUNS; i++) {
    const s = process.hrtime.bigint();
    last = await replayFiles([file], { type: 'auth', rules });
    full.push(Number(process.hrtime.bigint() - s) / 1e9);
  }
  const alerts = last.alerts.length;
  const fullRate = LINES / median(full);
  console.log(`vigil replay (decode + ${rules.length} rules): median ${median(full).toFixed(2)} s over ${RUNS} runs = ${fmt(fullRate)} lines/s (${alerts} alerts)`);

  // Detection quality on the same file: brute-force rules against the generator's truth.
  const attackers = new Set([...truth.fast, ...truth.slow]);
  const per = new Map();
  for (const a of last.alerts) if (a.rule.id.startsWith('ssh-brute-force')) { const k = a.group['source.ip'] ?? a.group['source.address']; per.set(k, (per.get(k) ?? 0) + 1); }
  const tp = [...per.keys()].filter((k) => attackers.has(k)).length;
  console.log(`brute-force detection: precision ${(tp / per.size).toFixed(4)}, recall ${(tp / attackers.size).toFixed(4)}, max ${Math.max(...per.values())} alerts per source`);

  // Rules alone, on events decoded once beforehand (the engine's share).
  const events = [];
  const dec = createDecoder('auth');
  await forEachLine(file, (text, offset) => { events.push(dec.decode(text, { readTimeMs: Date.now(), offset })); });
  const eng = [];
  for (let i = 0; i < RUNS; i++) {
    const engine = new RuleEngine(rules);
    const s = process.hrtime.bigint();
    for (let j = 0; j < events.length; j++) engine.ingest({ id: j, fields: events[j] });
    engine.drain();
    eng.push(Number(process.hrtime.bigint() - s) / 1e9);
  }
  console.log(`rules engine alone: median ${median(eng).toFixed(2)} s = ${fmt(events.length / median(eng))} events/s`);
  events.length = 0;

  // Baseline: fail2ban-regex with its stock sshd filter, when installed.
  if (existsSync('/usr/bin/fail2ban-regex')) {
    const { fail2banRegex } = await import('./baselines/fail2ban.mjs');
    const f2b = await fail2banRegex(file, LINES);
    console.log(`fail2ban-regex (baseline): ${f2b.seconds.toFixed(2)} s = ${fmt(f2b.linesPerSec)} lines/s`);
    console.log(`ratio vigil/fail2ban: ${(fullRate / f2b.linesPerSec).toFixed(1)}x (target >= 10x)`);
  } else {
    console.log('fail2ban-regex not installed: baseline skipped (target: >= 330,000 lines/s, 10x fail2ban-regex here)');
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
