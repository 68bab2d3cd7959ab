// Offline detection throughput in lines/s (median of 3): `vigil replay` (decode + rules) on a
// realistic 1M-line auth.log, the rules alone on pre-decoded events, and fail2ban-regex on the
// same file in the same run (installed as root when missing; target: vigil >= 10x), plus the
// brute-force rules' precision and recall against the file's truth. The file comes from
// ../shared/tools/gen-authlog.py --seed 42 (VIGIL_SHARED_DIR overrides ../shared) where it
// exists, else bench/gen-auth.mjs. Needs a build (packages/collector/dist); asserts nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateAuthLog } from './gen-auth.mjs';
import { fail2banRegex } from './baselines/fail2ban.mjs';

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

const SEED = 42;
const SHARED_GEN = join(process.env.VIGIL_SHARED_DIR || resolve(import.meta.dirname, '../../shared'), 'tools/gen-authlog.py');

/** The log and its attackers ({ fast, slow } source lists): the acceptance generator where it exists. */
async function generate(file) {
  if (existsSync(SHARED_GEN)) {
    const truthFile = `${file}.truth.json`;
    const r = spawnSync('python3', [SHARED_GEN, '--lines', String(LINES), '--seed', String(SEED), '--out', file, '--truth', truthFile], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`${SHARED_GEN} exited ${r.status ?? r.signal}`);
    const t = JSON.parse(readFileSync(truthFile, 'utf8'));
    return { by: SHARED_GEN, fast: t.brute_force_ips, slow: t.slow_ips };
  }
  const t = await generateAuthLog(file, { lines: LINES, seed: SEED });
  return { by: 'bench/gen-auth.mjs', fast: t.fast, slow: t.slow };
}

const work = mkdtempSync(join(tmpdir(), 'vigil-bench-replay-'));
try {
  const file = join(work, 'auth.log');
  const t0 = Date.now();
  const truth = await generate(file);
  console.log(`generated ${fmt(LINES)} lines by ${truth.by} --seed ${SEED} (${truth.fast.length} fast + ${truth.slow.length} slow attackers) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
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

  // Detection quality on the same file: brute-force rules against the generator's truth
  // (both rules against all attackers; the fast rule against the fast ones).
  const attackers = new Set([...truth.fast, ...truth.slow]);
  const per = new Map();
  const fastFlagged = new Set();
  for (const a of last.alerts) {
    if (!a.rule.id.startsWith('ssh-brute-force')) continue;
    const k = a.group['source.ip'] ?? a.group['source.address'];
    per.set(k, (per.get(k) ?? 0) + 1);
    if (a.rule.id === 'ssh-brute-force') fastFlagged.add(k);
  }
  const pr = (flagged, real) => {
    const tp = [...flagged].filter((k) => real.has(k)).length;
    return `precision ${(tp / flagged.size).toFixed(4)}, recall ${(tp / real.size).toFixed(4)}`;
  };
  console.log(`brute-force detection (both rules, ${attackers.size} attackers): ${pr(new Set(per.keys()), attackers)}, max ${Math.max(...per.values())} alerts per source`);
  console.log(`  fast rule vs the ${truth.fast.length} fast attackers: ${pr(fastFlagged, new Set(truth.fast))}`);

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

  // Baseline: fail2ban-regex with its stock sshd filter (installed here as root when missing).
  const f2b = await fail2banRegex(file, LINES);
  if (f2b) {
    console.log(`fail2ban-regex (baseline): ${f2b.seconds.toFixed(2)} s = ${fmt(f2b.linesPerSec)} lines/s${f2b.matched !== undefined ? ` (${fmt(f2b.matched)} lines matched)` : ''}`);
    console.log(`ratio vigil/fail2ban: ${(fullRate / f2b.linesPerSec).toFixed(1)}x (target >= 10x)`);
  } else {
    console.log('fail2ban-regex unavailable: no ratio (target: 10x fail2ban-regex on this file)');
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
