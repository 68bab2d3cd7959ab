// `npm run soak -- --kills N [--rotate-every S] [--seed N] [--rate LINES_PER_S] [--keep]`:
// runs the crash soak (soak.mjs) and prints its figures as one JSON line on stdout, then a
// readable summary on stderr. Exits 1 if any line was lost or duplicated, 2 on bad flags.
import { parseArgs } from 'node:util';
import { runSoak } from './soak.mjs';

const USAGE = 'usage: npm run soak -- [--kills 100] [--rotate-every 60] [--seed N] [--rate 2000] [--keep]';
let v;
try {
  ({ values: v } = parseArgs({ options: {
    kills: { type: 'string', default: '100' }, 'rotate-every': { type: 'string', default: '60' },
    seed: { type: 'string' }, rate: { type: 'string', default: '2000' }, keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  } }));
} catch (e) { console.error(`${e.message}\n${USAGE}`); process.exit(2); }
if (v.help) { console.log(USAGE); process.exit(0); }
const num = (k, min) => {
  const n = Number(v[k]);
  if (!Number.isFinite(n) || n < min) { console.error(`--${k}: expected a number >= ${min}, got ${v[k]}\n${USAGE}`); process.exit(2); }
  return n;
};
const opts = {
  kills: Math.floor(num('kills', 0)), rotateEvery: num('rotate-every', 0.5), rate: num('rate', 1),
  seed: v.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Math.floor(num('seed', 0)),
  keep: v.keep, log: (m) => console.error(`soak: ${m}`),
};
const f = await runSoak(opts);
console.log(JSON.stringify(f));
console.error(`soak (seed ${f.seed}): ${f.written} lines written, ${f.stored} stored, ${f.lost} lost, ${f.duplicated} duplicated; `
  + `${f.kills.collector + f.kills.agent + f.kills.both} kills (collector ${f.kills.collector}, agent ${f.kills.agent}, both ${f.kills.both}); `
  + `${f.rotations.rename} rename+create and ${f.rotations.copytruncate} copytruncate rotations; ${f.seconds} s (${f.seconds_per_kill} s per kill)`
  + (f.lost ? `; first lost markers ${f.first_lost.join(', ')}` : ''));
process.exit(f.lost || f.duplicated ? 1 : 0);
