/**
 * A real small disk for disk-full tests (root only): mounts a tmpfs of a given size, fills
 * it to the last block with a filler file, frees it again, and unmounts (lazily, so a test
 * that failed with files still open never leaves the mount behind), removing the mount
 * point's parent folder (give it a fresh temporary one).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface SmallDisk { dir: string; fill(): void; free(): void; unmount(): void }

export function mountTmpfs(dir: string, size = '64m'): SmallDisk {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir]);
  const filler = join(dir, 'filler');
  let mounted = true;
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      try {
        for (const chunk of [Buffer.alloc(1 << 20, 1), Buffer.alloc(4096, 1)]) {
          try { for (;;) writeSync(fd, chunk); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e; }
        }
      } finally { closeSync(fd); }
    },
    free() { rmSync(filler, { force: true }); },
    unmount() {
      if (!mounted) return;
      mounted = false;
      execFileSync('umount', ['-l', dir]);
      rmSync(dirname(dir), { recursive: true, force: true });
    },
  };
}
