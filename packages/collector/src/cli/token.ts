/**
 * `vigil token create|list|revoke --data DIR`: manages agent and API tokens in the same
 * database file a running collector uses (it sees changes at once and closes revoked
 * tokens' connections). A new token is printed once, alone, on stdout; only its hash is kept.
 * Writes go through an in-process write queue on the CLI's own connection (the same
 * commands as the collector's), timed by this process's clock.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../store/db.js';
import { migrateCore } from '../store/schema.js';
import { createTokenStore, type TokenInfo, type TokenStore } from '../store/tokens.js';
import { LocalWriteQueue } from '../store/writer/queue.js';
import { isRole, ROLES } from '../api/roles.js';
import { DB_FILE } from '../store/schema.js';
import { dataDirFlag, optionalFlag, parseArgs, UsageError } from './args.js';

const HELP = `usage:
  vigil token create --data DIR --agent NAME                  a token for the agent NAME
  vigil token create --data DIR --api NAME [--role viewer|admin]   an API token (default viewer)
  vigil token list --data DIR [--json]                        names, kinds, roles, created, last used
  vigil token revoke --data DIR NAME                          revokes every active token named NAME
`;

const NAME_RE = /^[^\u0000-\u001f\u007f]{1,256}$/;

/** Runs `fn` on the token store of the database in `dir`; closes it (after every write sent) however fn ends. */
async function withStore<T>(dir: string, create: boolean, fn: (tokens: TokenStore) => T | Promise<T>): Promise<T> {
  const file = join(dir, DB_FILE);
  if (!create && !existsSync(file)) throw new Error(`no Vigil database in ${dir}`);
  const db = openDatabase(file);
  const writer = new LocalWriteQueue(db);
  try {
    migrateCore(db);
    return await fn(createTokenStore(writer, db, { now: Date.now }));
  } finally {
    await writer.close();
    db.close();
  }
}

async function create(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { data: 'string', agent: 'string', api: 'string', role: 'string' });
  if (args.help) { process.stdout.write(HELP); return 0; }
  if (args.positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}`);
  const dir = dataDirFlag(args);
  const agent = optionalFlag(args, 'agent');
  const api = optionalFlag(args, 'api');
  const role = optionalFlag(args, 'role');
  if ((agent === undefined) === (api === undefined)) throw new UsageError('give exactly one of --agent NAME or --api NAME');
  if (agent !== undefined && role !== undefined) throw new UsageError('--role applies only to --api tokens');
  if (role !== undefined && !isRole(role)) throw new UsageError(`--role: expected ${ROLES.join(' or ')}, got ${JSON.stringify(role)}`);
  const name = (agent ?? api)!;
  if (!NAME_RE.test(name)) throw new UsageError(`${agent !== undefined ? '--agent' : '--api'}: a name is 1-256 characters without control characters`);
  const token = await withStore(dir, true, (tokens) => agent !== undefined ? tokens.create('agent', name) : tokens.create('api', name, role ?? 'viewer'));
  process.stdout.write(token + '\n');
  return 0;
}

async function list(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { data: 'string', json: 'boolean' });
  if (args.help) { process.stdout.write(HELP); return 0; }
  if (args.positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}`);
  const rows: TokenInfo[] = await withStore(dataDirFlag(args), false, (tokens) => tokens.list());
  if (args.flags.json) {
    process.stdout.write(JSON.stringify({ tokens: rows }) + '\n');
    return 0;
  }
  const table = [['NAME', 'KIND', 'ROLE', 'CREATED', 'LAST USED', 'REVOKED'],
    ...rows.map((r) => [JSON.stringify(r.name).slice(1, -1), r.kind, r.role ?? '-', r.created, r.last_used ?? 'never', r.revoked ?? '-'])];
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  for (const row of table) process.stdout.write(row.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd() + '\n');
  return 0;
}

async function revoke(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { data: 'string' });
  if (args.help) { process.stdout.write(HELP); return 0; }
  if (args.positionals.length !== 1) throw new UsageError(args.positionals.length ? `unexpected argument ${JSON.stringify(args.positionals[1])}` : 'missing the NAME of the token to revoke');
  const dir = dataDirFlag(args);
  const name = args.positionals[0];
  const n = await withStore(dir, false, (tokens) => tokens.revoke(name, Date.now()));
  if (n === 0) { process.stderr.write(`vigil: no active token named ${JSON.stringify(name)}\n`); return 1; }
  process.stderr.write(`revoked ${n} token${n === 1 ? '' : 's'} named ${JSON.stringify(name)}\n`);
  return 0;
}

const SUB: Record<string, (argv: string[]) => Promise<number>> = { create, list, revoke };

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    (sub ? process.stdout : process.stderr).write(HELP);
    return sub ? 0 : 2;
  }
  const fn = SUB[sub];
  if (!fn) throw new UsageError(`unknown token subcommand ${JSON.stringify(sub)} (create, list or revoke)`);
  return fn(rest);
}
