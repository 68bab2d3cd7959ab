/**
 * What the agent tells the collector about itself: the Hello frame (name, version, a boot
 * id random per process start, the instance id of the state dir, the clock) with host
 * facts from node:os, and the process's own CPU % and RSS for heartbeats.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Hello, HostFacts } from '@vigil/proto';

export const BOOT_ID = randomUUID();

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (m) return m[1];
  } catch { /* not Linux or unreadable */ }
  return `${os.type()} ${os.release()}`;
}

export function hostFacts(): HostFacts {
  const ips: string[] = [];
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (!a.internal) ips.push(a.address);
  }
  return {
    hostname: os.hostname(), os: osName(), kernel: os.release(), arch: os.arch(),
    cpus: os.cpus().length, memoryBytes: os.totalmem(),
    bootTimeMs: Math.round(Date.now() - os.uptime() * 1000), ips,
  };
}

export function helloFrame(agentName: string, version: string, instanceId: string): Hello {
  return { agentName, version, bootId: BOOT_ID, clockMs: Date.now(), host: hostFacts(), instanceId };
}

/** CPU % of one core used by this process since the previous call, and its RSS. */
export function processUsage(): () => { cpuPct: number; rssBytes: number } {
  let lastCpu = process.cpuUsage();
  let lastAt = process.hrtime.bigint();
  return () => {
    const cpu = process.cpuUsage();
    const at = process.hrtime.bigint();
    const usedUs = cpu.user - lastCpu.user + cpu.system - lastCpu.system;
    const wallUs = Number(at - lastAt) / 1000;
    lastCpu = cpu;
    lastAt = at;
    return { cpuPct: wallUs > 0 ? Math.round((usedUs / wallUs) * 10000) / 100 : 0, rssBytes: process.memoryUsage.rss() };
  };
}
