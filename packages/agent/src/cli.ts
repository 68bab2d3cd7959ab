/**
 * `./vigil agent`: parses the flags and the config (bad usage exits 2 with one line naming
 * the flag or key), starts the agent, and stops it cleanly on SIGTERM/SIGINT (exit 0).
 * A runtime failure (state dir unusable, ...) exits 1 with a clear message on stderr.
 */
import { readFileSync } from 'node:fs';
import { createLogger } from '@vigil/proto';
import { parseArgs, USAGE } from './config/args.js';
import { loadConfig } from './config/load.js';
import { UsageError } from './config/types.js';
import { startAgent } from './agent.js';

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch { return '0.0.0'; }
}

/** Runs the agent until a signal; resolves with the exit code. */
export async function run(argv: string[]): Promise<number> {
  let ca: Buffer | undefined;
  let args;
  let cfg;
  try {
    args = parseArgs(argv);
    if (args === 'help') { process.stdout.write(USAGE); return 0; }
    cfg = loadConfig(args.config);
    if (args.ca) {
      try { ca = readFileSync(args.ca); } catch (err) {
        throw new UsageError(`--ca: cannot read ${args.ca}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`vigil agent: ${err.message.replace(/\s*\n\s*/g, ' ')}\n`);
      return 2;
    }
    throw err;
  }
  const log = createLogger(undefined, { agent: args.name });
  let agent;
  try {
    agent = await startAgent(cfg, {
      collector: args.collector, token: args.token, name: args.name, state: args.state,
      version: version(), ca, journalctl: process.env.VIGIL_JOURNALCTL,
    }, log);
  } catch (err) {
    process.stderr.write(`vigil agent: ${(err as Error).message}\n`);
    return 1;
  }
  const running = agent;
  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      if (++signals > 1) { log.warn('second signal: exiting now', { signal: sig }); resolve(1); return; }
      log.info('stopping', { signal: sig });
      running.stop().then(() => resolve(0), (err: Error) => {
        process.stderr.write(`vigil agent: stop failed: ${err.message}\n`);
        resolve(1);
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
