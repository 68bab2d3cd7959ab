// The crash soak, short (`npm run soak` runs it long): 10 random SIGKILLs of the collector,
// the agent or both under a steady writer, with a rotation (rename+create, copytruncate)
// every 3 s; every marked line is stored exactly once.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { ROOT } from './helpers/procs.js';

it('loses and repeats no line across 10 random SIGKILLs and rotations', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'soak/run.mjs'), '--kills', '10', '--rotate-every', '3', '--rate', '1000', '--seed', '12'], { timeout: 85_000 })
    .catch((e) => ({ stdout: String(e.stdout ?? '') }));
  const f = JSON.parse(stdout.trim().split('\n').pop()!);
  expect(f.kills.collector + f.kills.agent + f.kills.both).toBe(10);
  expect(f.rotations.rename + f.rotations.copytruncate).toBeGreaterThanOrEqual(2);
  expect(f.written).toBeGreaterThan(1000);
  expect({ lost: f.lost, duplicated: f.duplicated, first_lost: f.first_lost }).toEqual({ lost: 0, duplicated: 0, first_lost: [] });
}, 90_000);
