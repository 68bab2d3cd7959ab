/**
 * `vigil collector`: runs the collector in the foreground until SIGTERM or SIGINT, then
 * stops cleanly (sessions closed, nothing uncommitted acked, database closed). --tls-cert
 * and --tls-key override the config's tls section.
 */
import { accessSync, constants } from 'node:fs';
import { createLogger } from '@vigil/proto';
import { dataDirFlag, optionalFlag, parseArgs, required, UsageError } from './args.js';
import { loadConfig } from '../config/load.js';
import { startCollector } from '../server.js';

const HELP = `usage: vigil collector --listen HOST:PORT --data DIR [--config FILE] [--tls-cert FILE --tls-key FILE]

  --listen HOST:PORT   address for the API and agent ingest (port 0: any free port)
  --data DIR           where the SQLite store lives (created if missing)
  --config FILE        collector config (YAML): retention, tls, metrics, ingest, rules, ...
  --tls-cert FILE      PEM certificate: serve https and wss on the same port
  --tls-key FILE       PEM private key for --tls-cert
`;

export function parseListen(v: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--listen: expected HOST:PORT, got ${JSON.stringify(v)}`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

function readable(flag: string, file: string): string {
  try { accessSync(file, constants.R_OK); } catch { throw new UsageError(`${flag}: cannot read ${file}`); }
  return file;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { listen: 'string', data: 'string', config: 'string', 'tls-cert': 'string', 'tls-key': 'string' });
  if (args.help) { process.stdout.write(HELP); return 0; }
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}`);
  const { host, port } = parseListen(required(args, 'listen'));
  const dataDir = dataDirFlag(args);
  const config = loadConfig(optionalFlag(args, 'config'));
  const cert = optionalFlag(args, 'tls-cert');
  const key = optionalFlag(args, 'tls-key');
  if ((cert === undefined) !== (key === undefined)) throw new UsageError(cert ? 'missing --tls-key (needed with --tls-cert)' : 'missing --tls-cert (needed with --tls-key)');
  if (cert && key) config.tls = { cert: readable('--tls-cert', cert), key: readable('--tls-key', key) };
  if ((config.tls.cert === undefined) !== (config.tls.key === undefined)) throw new UsageError('tls: cert and key go together');

  const log = createLogger();
  const collector = await startCollector({ host, port, dataDir, config, log });
  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      if (++signals > 1) { log.warn('second signal: exiting now', { signal: sig }); process.exit(1); }
      log.info('stopping', { signal: sig });
      collector.stop().then(() => resolve(0), (err: Error) => { log.error('stop failed', { error: err.message }); resolve(1); });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
