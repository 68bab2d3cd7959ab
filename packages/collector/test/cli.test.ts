import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { tempDir } from './core-helpers.js';

// Runs the BUILT command line (tsc -b first), as ./vigil does.
const MAIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const t = tempDir('vigil-cli-');
afterAll(() => t.cleanup());

const vigil = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, VIGIL_LOG: 'info' } });

function startCollector(data: string, extra: string[] = []): Promise<{ proc: ChildProcess; url: string; stderr: () => string }> {
  const proc = spawn(process.execPath, [MAIN, 'collector', '--listen', '127.0.0.1:0', '--data', data, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  return new Promise((resolve, reject) => {
    proc.stderr!.on('data', (d) => {
      err += d;
      const m = /"msg":"collector listening","url":"([^"]+)"/.exec(err);
      if (m) resolve({ proc, url: m[1], stderr: () => err });
    });
    proc.on('exit', (code) => reject(new Error(`collector exited ${code}: ${err}`)));
  });
}
const exited = (p: ChildProcess) => new Promise<number | null>((r) => p.once('exit', (code) => r(code)));

describe('vigil CLI', () => {
  it('answers --help on every subcommand with exit 0', () => {
    for (const args of [['--help'], ['collector', '--help'], ['token', '--help'], ['token', 'create', '--help'], ['token', 'list', '--help'], ['token', 'revoke', '--help'], ['replay', '--help'], ['rules', '--help']]) {
      const r = vigil(...args);
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/usage/);
    }
  });

  it('exits 2 with a one-line error naming the bad flag or value', () => {
    const cases: Array<[string[], RegExp]> = [
      [['collector', '--data', t.dir], /--listen/],
      [['collector', '--listen', 'nowhere', '--data', t.dir], /--listen/],
      [['collector', '--listen', '127.0.0.1:0', '--data', t.dir, '--bogus'], /--bogus/],
      [['collector', '--listen', '127.0.0.1:0', '--data', t.dir, '--tls-cert', '/nonexistent'], /--tls-key/],
      [['token', 'create', '--data', t.dir], /--agent/],
      [['token', 'create', '--data', t.dir, '--api', 'x', '--role', 'root'], /--role/],
      [['token', 'frobnicate'], /frobnicate/],
      [['nosuchcommand'], /nosuchcommand/],
    ];
    for (const [args, re] of cases) {
      const r = vigil(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
    }
  });

  it('exits 2 naming the key path of a bad config', () => {
    const cfg = join(t.dir, 'bad.yaml');
    writeFileSync(cfg, 'retention:\n  max_age: forever\n');
    let r = vigil('collector', '--listen', '127.0.0.1:0', '--data', join(t.dir, 'd0'), '--config', cfg);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/retention\.max_age/);
    writeFileSync(cfg, 'retention:\n  max_agee: 3d\n');
    r = vigil('collector', '--listen', '127.0.0.1:0', '--data', join(t.dir, 'd0'), '--config', cfg);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/retention\.max_agee/);
  });

  it('creates, lists and revokes tokens; a running collector honours them at once', async () => {
    const data = join(t.dir, 'data1');
    const api = vigil('token', 'create', '--data', data, '--api', 'ops', '--role', 'admin');
    expect(api.status).toBe(0);
    const apiToken = api.stdout.trim();
    expect(api.stdout).toMatch(/^vgl_\S+\n$/);
    const c = await startCollector(data);
    try {
      // Created while it runs: valid at once.
      const agentToken = vigil('token', 'create', '--data', data, '--agent', 'web1').stdout.trim();
      const ws = new WebSocket(`${c.url.replace('http', 'ws')}/ingest`, { headers: { authorization: `Bearer ${agentToken}`, 'x-vigil-agent': 'web1' } });
      await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
      const res = await fetch(`${c.url}/api/agents`, { headers: { authorization: `Bearer ${apiToken}` } });
      expect(res.status).toBe(200);

      const list = vigil('token', 'list', '--data', data, '--json');
      expect(list.status).toBe(0);
      const tokens = JSON.parse(list.stdout).tokens;
      expect(tokens.map((x: { name: string; kind: string }) => `${x.kind}:${x.name}`)).toEqual(['api:ops', 'agent:web1']);
      expect(list.stdout).not.toContain(agentToken.slice(agentToken.indexOf('_', 4) + 1)); // the secret (base64url: may hold '_')
      expect(vigil('token', 'list', '--data', data).stdout).toMatch(/^NAME\s+KIND/);

      // Revoked by another process: the socket closes within about a second.
      const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
      const started = Date.now();
      expect(vigil('token', 'revoke', '--data', data, 'web1').status).toBe(0);
      expect(await closed).toBe(1008);
      expect(Date.now() - started).toBeLessThan(2500);
      expect(vigil('token', 'revoke', '--data', data, 'web1').status).toBe(1);

      c.proc.kill('SIGTERM');
      expect(await exited(c.proc)).toBe(0);
      expect(c.stderr()).toMatch(/collector stopped/);
    } finally {
      c.proc.kill('SIGKILL');
    }
  });

  it('restarts after SIGKILL (no lock file) and keeps its data', async () => {
    const data = join(t.dir, 'data2');
    const first = await startCollector(data);
    first.proc.kill('SIGKILL');
    await exited(first.proc);
    const second = await startCollector(data);
    const res = await fetch(`${second.url}/api/health`);
    expect(await res.json()).toEqual({ status: 'ok' });
    second.proc.kill('SIGINT');
    expect(await exited(second.proc)).toBe(0);
  });

  it('exits 1 on a runtime failure with a clear message', async () => {
    const data = join(t.dir, 'data3');
    const c = await startCollector(data);
    try {
      const port = new URL(c.url).port;
      const r = vigil('collector', '--listen', `127.0.0.1:${port}`, '--data', join(t.dir, 'data4'));
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/EADDRINUSE|address already in use/);
      expect(vigil('token', 'list', '--data', join(t.dir, 'missing')).status).toBe(1);
    } finally {
      c.proc.kill('SIGTERM');
      await exited(c.proc);
    }
  });
});
