/**
 * End-to-end harness: starts real collector and agent processes through ./vigil, creates
 * tokens with the real CLI, queries the real HTTP API, and cleans up everything it started.
 * Every server binds 127.0.0.1 on a free port.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const VIGIL = join(ROOT, 'vigil');

export function tempDir(prefix = 'vigil-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export function vigilSync(args: string[]): string {
  return execFileSync(VIGIL, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export interface Proc { child: ChildProcess; stderr: () => string; stop(signal?: NodeJS.Signals): Promise<void> }

/** `nofile`: the open-files limit (soft and hard) the process runs under, set by the shell. */
export function startProc(args: string[], env: Record<string, string> = {}, opts: { nofile?: number } = {}): Proc {
  const [cmd, argv] = opts.nofile ? ['bash', ['-c', `ulimit -n ${opts.nofile} && exec "$0" "$@"`, VIGIL, ...args]] : [VIGIL, args];
  const child = spawn(cmd as string, argv as string[], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  child.stderr!.on('data', (d) => { err += d; if (err.length > 200_000) err = err.slice(-100_000); });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    stderr: () => err,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await exited; }
    },
  };
}

export class Collector {
  proc!: Proc;
  readonly url: string;
  apiToken = '';
  constructor(readonly dataDir: string, readonly port: number) { this.url = `http://127.0.0.1:${port}`; }

  static async create(dataDir = tempDir()): Promise<Collector> {
    const c = new Collector(dataDir, await freePort());
    c.apiToken = vigilSync(['token', 'create', '--data', dataDir, '--api', 'e2e-admin', '--role', 'admin']);
    return c;
  }

  agentToken(name: string): string {
    return vigilSync(['token', 'create', '--data', this.dataDir, '--agent', name]);
  }

  async start(extra: string[] = [], opts: { nofile?: number } = {}): Promise<void> {
    this.proc = startProc(['collector', '--listen', `127.0.0.1:${this.port}`, '--data', this.dataDir, ...extra], {}, opts);
    await waitFor(async () => (await fetch(`${this.url}/api/health`).then((r) => r.ok).catch(() => false)), 15_000, () => `collector did not start: ${this.proc.stderr()}`);
  }

  async get<T = any>(path: string): Promise<T> {
    const r = await fetch(this.url + path, { headers: { authorization: `Bearer ${this.apiToken}` } });
    if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
    return r.json() as Promise<T>;
  }

  async count(query = ''): Promise<number> {
    return (await this.get<{ count: number }>(`/api/events/count${query}`)).count;
  }

  /** Every log event matching the query, following next_cursor. */
  async allEvents(query = ''): Promise<any[]> {
    const out: any[] = [];
    let cursor: string | null = null;
    do {
      const q = `/api/events?limit=10000${query ? '&' + query : ''}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page: { events: any[]; next_cursor: string | null } = await this.get(q);
      out.push(...page.events);
      cursor = page.next_cursor;
    } while (cursor);
    return out;
  }
}

export function startAgent(opts: { collector: Collector; name: string; token: string; state: string; config?: string; extra?: string[] }): Proc {
  const args = ['agent', '--collector', `ws://127.0.0.1:${opts.collector.port}`, '--token', opts.token, '--state', opts.state, '--name', opts.name];
  if (opts.config) args.push('--config', opts.config);
  return startProc([...args, ...(opts.extra ?? [])]);
}

export function writeAgentConfig(dir: string, yaml: string): string {
  const file = join(dir, 'agent.yaml');
  writeFileSync(file, yaml);
  return file;
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, why: () => string = () => 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms: ${why()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resolves as p does, or rejects after timeoutMs naming what hung (so a finally after it still runs). */
export async function within<T>(p: Promise<T> | undefined, timeoutMs: number, what: string): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs); });
  try { return await Promise.race([p, late]); } finally { clearTimeout(timer); }
}

export function cleanup(...dirs: string[]): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
