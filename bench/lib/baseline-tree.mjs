// The code a paired benchmark compares against: a detached git worktree of `ref` next to the
// system's temp dir, built once with the project's own build (scripts/ensure.sh) and reused
// by later runs. Returns its ./vigil, or null (with the reason) where there is no git history.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './procs.mjs';

export function baselineTree(ref) {
  const git = (...args) => execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  let sha;
  try { sha = git('rev-parse', '--verify', `${ref}^{commit}`); } catch { return { bin: null, why: `no commit ${ref} in this clone's history` }; }
  const dir = join(tmpdir(), `vigil-bench-base-${sha.slice(0, 12)}`);
  if (!existsSync(join(dir, '.vigil-built'))) {
    if (existsSync(dir)) spawnSync('git', ['-C', ROOT, 'worktree', 'remove', '--force', dir]);
    git('worktree', 'add', '--detach', dir, sha);
    const r = spawnSync('bash', ['scripts/ensure.sh'], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) return { bin: null, why: `building ${ref} failed` };
    execFileSync('touch', [join(dir, '.vigil-built')]);
  }
  return { bin: join(dir, 'vigil'), sha };
}
