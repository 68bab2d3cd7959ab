// Installs a Debian package for a benchmark baseline when it is missing and we are root;
// returns false (and says why) when it cannot, so the benchmark prints that instead.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export function ensureDebianPackage(pkg, binary) {
  if (existsSync(binary)) return true;
  if (process.getuid?.() !== 0) { console.log(`  (baseline skipped: ${pkg} is not installed and we are not root)`); return false; }
  console.error(`bench: installing Debian package ${pkg}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const opts = ['-y', '-o', 'DPkg::Lock::Timeout=120', '--no-install-recommends'];
  let r = spawnSync('apt-get', ['install', ...opts, pkg], { stdio: 'ignore', env });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore', env });
    r = spawnSync('apt-get', ['install', ...opts, pkg], { stdio: 'ignore', env });
  }
  if (!existsSync(binary)) { console.log(`  (baseline skipped: could not install ${pkg})`); return false; }
  return true;
}
