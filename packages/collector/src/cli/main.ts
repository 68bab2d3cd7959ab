#!/usr/bin/env node
/**
 * The collector's command line (`./vigil <command>`): dispatches to one module per
 * command, loaded on demand. Exit codes: 0 success, 2 bad usage or config (one line
 * naming the flag or key), 1 runtime failure. Diagnostics go to stderr.
 */
import { UsageError } from './args.js';
import { ConfigError } from '@vigil/proto';

type Command = { run(argv: string[]): Promise<number> };

const COMMANDS: Record<string, () => Promise<Command>> = {
  collector: () => import('./collector.js'),
  token: () => import('./token.js'),
  replay: () => import('./replay.js'),
  rules: () => import('./rules.js'),
};

const USAGE = `usage: vigil <command> [flags]

commands:
  collector --listen HOST:PORT --data DIR [--config FILE] [--tls-cert FILE --tls-key FILE]
  agent --collector URL --token TOKEN --state DIR [--name NAME] [--config FILE] [--ca FILE]
  token create|list|revoke --data DIR ...
  replay FILE... --type TYPE [--json]
  rules test [--rules DIR]

Run 'vigil <command> --help' for a command's flags.
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') { process.stdout.write(USAGE); return 0; }
  if (cmd === undefined) { process.stderr.write(USAGE); return 2; }
  const load = COMMANDS[cmd];
  if (!load) throw new UsageError(`unknown command ${JSON.stringify(cmd)} (try --help)`);
  return (await load()).run(rest);
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: Error) => {
  if (err instanceof UsageError || err instanceof ConfigError) {
    process.stderr.write(`vigil: ${err.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`vigil: ${err.message}\n`);
    process.exitCode = 1;
  }
});
