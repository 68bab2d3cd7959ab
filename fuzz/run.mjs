// `npm run fuzz -- [--time 60] [--target NAME] [--seed N] [--budget MS] [--out DIR]`:
// fuzzes each target (or one) for --time seconds with engine.mjs and prints, per target,
// executions, corpus, coverage features and the crashes and hangs found (saved under
// --out, default .vigil/fuzz/crashes/TARGET/). Exits 1 if any was found, 2 on bad flags.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fuzz } from './engine.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const TARGETS_MODULE = new URL('./targets.mjs', import.meta.url).href;
const USAGE = 'usage: npm run fuzz -- [--time 60] [--target NAME] [--seed N] [--budget 2000] [--out .vigil/fuzz]';
let v;
try {
  ({ values: v } = parseArgs({ options: {
    time: { type: 'string', default: '60' }, target: { type: 'string' }, seed: { type: 'string', default: '1' },
    budget: { type: 'string', default: '2000' }, out: { type: 'string', default: join(ROOT, '.vigil/fuzz') }, help: { type: 'boolean', default: false },
  } }));
} catch (e) { console.error(`${e.message}\n${USAGE}`); process.exit(2); }
if (v.help) { console.log(USAGE); process.exit(0); }
const { TARGETS } = await import(TARGETS_MODULE);
const names = v.target ? [v.target] : Object.keys(TARGETS);
for (const n of names) if (!TARGETS[n]) { console.error(`--target: unknown target ${n} (one of ${Object.keys(TARGETS).join(', ')})`); process.exit(2); }
for (const k of ['time', 'seed', 'budget']) if (!(Number(v[k]) > 0 || (k === 'seed' && v[k] === '0'))) { console.error(`--${k}: expected a positive number, got ${v[k]}`); process.exit(2); }
let found = 0;
for (const target of names) {
  const r = await fuzz({ target, targetsModule: TARGETS_MODULE, seconds: Number(v.time), seed: Number(v.seed), budgetMs: Number(v.budget), outDir: resolve(v.out) });
  found += r.crashes.length + r.hangs.length;
  console.log(JSON.stringify({ ...r, execs_per_s: Math.round(r.execs / r.seconds) }));
  console.error(`fuzz ${target}: ${r.execs} execs in ${r.seconds} s (${Math.round(r.execs / r.seconds)}/s), corpus ${r.corpus}, features ${r.features}, ${r.crashes.length} crashes, ${r.hangs.length} hangs`);
  for (const c of [...r.crashes, ...r.hangs]) console.error(`  ${c.sig}\n    ${c.file}`);
}
process.exit(found ? 1 : 0);
