/**
 * The config used when `./vigil agent` runs without --config: this host's security,
 * backup and deployment logs from the operations guide (paths that do not exist yet are
 * discovered when they appear), journal authpriv where journalctl exists, host metrics,
 * and Docker where its socket exists.
 */
import { existsSync } from 'node:fs';
import { findExecutable } from '../sources/journal/spawn.js';
import { validateConfig } from './schema.js';
import type { AgentConfig } from './types.js';

export const DOCKER_SOCKET = '/var/run/docker.sock';

export function defaultConfig(): AgentConfig {
  const raw: Record<string, unknown> = {
    files: [
      { path: '/var/log/auth.log', type: 'auth' },
      { path: '/var/log/secure', type: 'auth' },
      { path: '/var/log/security/*', type: 'auth' },
      { path: '/var/log/backup.log', type: 'backup' },
      { path: '/var/log/deployment_history.log', type: 'deployment' },
      { path: '/var/log/syslog', type: 'syslog' },
    ],
    metrics: { host: { interval: '10s' } } as Record<string, unknown>,
  };
  if (findExecutable('journalctl')) {
    // authpriv (10) and auth (4): sshd, sudo, su, pam
    raw.journal = [{ match: { SYSLOG_FACILITY: ['10', '4'] }, type: 'auth' }];
  }
  if (existsSync(DOCKER_SOCKET)) {
    (raw.metrics as Record<string, unknown>).docker = { socket: DOCKER_SOCKET, interval: '10s' };
  }
  return validateConfig(raw);
}
