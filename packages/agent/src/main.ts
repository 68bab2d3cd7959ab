/**
 * Entry point of `./vigil agent` (packages/agent/dist/main.js): runs the CLI and exits with
 * its code. Kept apart from cli.ts so tests and other tools can import run() without side
 * effects.
 */
import { run } from './cli.js';

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`vigil agent: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
