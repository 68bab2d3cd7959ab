/**
 * Parses the agent's command line (`./vigil agent --collector URL --token TOKEN --state DIR
 * [--name NAME] [--config FILE] [--ca FILE]`). Flags take `--flag value` or `--flag=value`;
 * anything unknown, missing or malformed is a UsageError naming the flag.
 */
import { hostname } from 'node:os';
import { UsageError } from './types.js';
import { sharedDirProblem } from '@vigil/proto';

export interface AgentArgs {
  collector: string;        // ws:// or wss:// base URL, without /ingest
  token: string;
  state: string;
  name: string;
  config?: string;
  ca?: string;
}

export const USAGE = `Usage: vigil agent --collector URL --token TOKEN --state DIR [--name NAME] [--config FILE] [--ca FILE]

Runs an agent in the foreground: tails this host's logs, journal, metrics and probes into a
durable outbox under DIR and streams them to the collector at URL (ws://HOST:PORT or
wss://HOST:PORT; the agent adds the path /ingest).

  --collector URL   collector address, ws:// or wss://
  --token TOKEN     agent token (./vigil token create --agent NAME); a refused token is retried
  --state DIR       state directory (outbox, checkpoints, instance id); created if missing
  --name NAME       agent name (default: this host's name)
  --config FILE     YAML agent config (default: this host's standard logs and metrics)
  --ca FILE         PEM CA certificate to trust for wss://
  --help            this text
`;

const FLAGS = ['collector', 'token', 'state', 'name', 'config', 'ca'] as const;
type Flag = typeof FLAGS[number];

/** Returns the parsed args, or 'help' when --help was asked for. */
export function parseArgs(argv: string[]): AgentArgs | 'help' {
  const got: Partial<Record<Flag, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') return 'help';
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(a)}`);
    const eq = a.indexOf('=');
    const flag = (eq > 0 ? a.slice(2, eq) : a.slice(2)) as Flag;
    if (!FLAGS.includes(flag)) throw new UsageError(`unknown flag --${flag}`);
    let value: string | undefined;
    if (eq > 0) value = a.slice(eq + 1);
    else {
      value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${flag} needs a value`);
    }
    if (value === '') throw new UsageError(`--${flag} must not be empty`);
    if (got[flag] !== undefined) throw new UsageError(`--${flag} given twice`);
    got[flag] = value;
  }
  for (const f of ['collector', 'token', 'state'] as const) {
    if (got[f] === undefined) throw new UsageError(`missing --${f}`);
  }
  const shared = sharedDirProblem(got.state!);
  if (shared) throw new UsageError(`--state: ${shared}`);
  let url: URL;
  try { url = new URL(got.collector!); } catch { throw new UsageError(`--collector: not a URL: ${got.collector}`); }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new UsageError(`--collector: must start with ws:// or wss://, got ${got.collector}`);
  }
  if (got.ca !== undefined && url.protocol !== 'wss:') throw new UsageError('--ca needs a wss:// --collector');
  const name = got.name ?? hostname();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name)) throw new UsageError(`--name: invalid agent name ${JSON.stringify(name)}`);
  return {
    collector: got.collector!.replace(/\/+$/, ''),
    token: got.token!, state: got.state!, name,
    config: got.config, ca: got.ca,
  };
}
