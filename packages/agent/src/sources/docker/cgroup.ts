/**
 * Reads a container's resource counters from the kernel, the cheap way: find its cgroup
 * through /proc/<pid>/cgroup, then read cgroup v1 files (cpuacct.usage, memory.usage_in_bytes
 * minus inactive file cache, memory.limit_in_bytes, blkio.throttle.io_service_bytes) or v2
 * files (cpu.stat, memory.current, memory.max, io.stat), and network bytes from
 * /proc/<pid>/net/dev. Returns undefined when the agent cannot read them (e.g. it runs in
 * its own pid namespace), and the caller falls back to one-shot Docker stats.
 */
import { readFileSync } from 'node:fs';

export interface RawUsage {
  cpuNs: number;              // cumulative CPU time of the container
  memUsage: number;           // bytes, without reclaimable file cache (as `docker stats`)
  memLimit?: number;          // bytes; undefined when unlimited
  netRx: number; netTx: number; blkRead: number; blkWrite: number;
}

const UNLIMITED = 2 ** 62;
let mounts: { v1: Map<string, string>; v2?: string } | undefined;

function cgroupMounts() {
  if (mounts) return mounts;
  const v1 = new Map<string, string>();
  let v2: string | undefined;
  for (const l of readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
    const [, dir, type, opts] = l.split(' ');
    if (type === 'cgroup2') v2 = dir;
    else if (type === 'cgroup') for (const o of opts.split(',')) if (!['rw', 'ro', 'relatime'].includes(o)) v1.set(o, dir);
  }
  mounts = { v1, v2 };
  return mounts;
}

const num = (s: string) => Number(s.trim());
const statKey = (text: string, key: string) => {
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
};

/** Sums non-loopback interfaces of /proc/<pid>/net/dev (the container's netns). */
export function netFromProc(pid: number): { rx: number; tx: number } {
  let rx = 0, tx = 0;
  for (const l of readFileSync(`/proc/${pid}/net/dev`, 'utf8').split('\n').slice(2)) {
    const i = l.indexOf(':');
    if (i < 0 || l.slice(0, i).trim() === 'lo') continue;
    const f = l.slice(i + 1).trim().split(/\s+/);
    rx += Number(f[0]); tx += Number(f[8]);
  }
  return { rx, tx };
}

/** blkio.throttle.io_service_bytes (v1): "MAJ:MIN Read N" lines. */
export function parseBlkioV1(text: string): { read: number; write: number } {
  let read = 0, write = 0;
  for (const l of text.split('\n')) {
    const [dev, op, v] = l.split(' ');
    if (!dev?.includes(':')) continue;
    if (op === 'Read') read += Number(v); else if (op === 'Write') write += Number(v);
  }
  return { read, write };
}

/** io.stat (v2): "MAJ:MIN rbytes=N wbytes=N ..." lines. */
export function parseIoStatV2(text: string): { read: number; write: number } {
  let read = 0, write = 0;
  for (const m of text.matchAll(/rbytes=(\d+)/g)) read += Number(m[1]);
  for (const m of text.matchAll(/wbytes=(\d+)/g)) write += Number(m[1]);
  return { read, write };
}

export function readCgroupUsage(pid: number): RawUsage | undefined {
  if (!pid) return undefined;
  try {
    const groups = new Map<string, string>();
    for (const l of readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
      const m = /^\d+:([^:]*):(.*)$/.exec(l);
      if (m) for (const c of m[1].split(',')) groups.set(c, m[2]);
    }
    const net = netFromProc(pid);
    const { v1, v2 } = cgroupMounts();
    if (v1.has('memory') && groups.has('memory')) {
      const at = (ctl: string, file: string) => readFileSync(`${v1.get(ctl)}${groups.get(ctl)}/${file}`, 'utf8');
      const memStat = at('memory', 'memory.stat');
      const limit = num(at('memory', 'memory.limit_in_bytes'));
      const blk = v1.has('blkio') ? parseBlkioV1(at('blkio', 'blkio.throttle.io_service_bytes')) : { read: 0, write: 0 };
      return {
        cpuNs: num(at('cpuacct', 'cpuacct.usage')),
        memUsage: Math.max(0, num(at('memory', 'memory.usage_in_bytes')) - statKey(memStat, 'total_inactive_file')),
        memLimit: limit >= UNLIMITED ? undefined : limit,
        netRx: net.rx, netTx: net.tx, blkRead: blk.read, blkWrite: blk.write,
      };
    }
    if (v2 && groups.has('')) {
      const dir = `${v2}${groups.get('')}`;
      const at = (file: string) => readFileSync(`${dir}/${file}`, 'utf8');
      const max = at('memory.max').trim();
      const io = parseIoStatV2(at('io.stat'));
      return {
        cpuNs: statKey(at('cpu.stat'), 'usage_usec') * 1000,
        memUsage: Math.max(0, num(at('memory.current')) - statKey(at('memory.stat'), 'inactive_file')),
        memLimit: max === 'max' ? undefined : Number(max),
        netRx: net.rx, netTx: net.tx, blkRead: io.read, blkWrite: io.write,
      };
    }
  } catch {
    // not readable from here (other pid namespace, container gone): caller falls back
  }
  return undefined;
}
