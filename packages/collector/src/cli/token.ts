/**
 * `vigil token create|list|revoke --data DIR`: manages agent and API tokens in the same
 * database file a running collector uses (it sees changes at once and closes revoked
 * tokens' connections). A new token is printed once, alone, on stdout; only its hash is kept.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../store/db.js';
import { migrateCore } from '../store/schema.js';
import { createTokenStore, type TokenInfo } from '../store/tokens.js';
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

function openStore(dir: string, create: boolean) {
  const file = join(dir, DB_FILE);
  if (!create && !existsSync(file)) throw new Error(`no Vigil database in ${dir}`);
  const db = openDatabase(file);
  migrateCore(db);
  return { db, tokens: createTokenStore(db) };
}

function create(argv: string[]): number {
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
  const { db, tokens } = openStore(dir, true);
  try {
    const token = agent !== undefined ? tokens.create('agent', name) : tokens.create('api', name, role ?? 'viewer');
    process.stdout.write(token + '\n');
  } finally { db.close(); }
  return 0;
}

function list(argv: string[]): number {
  const args = parseArgs(argv, { data: 'string', json: 'boolean' });
  if (args.help) { process.stdout.write(HELP); return 0; }
  if (args.positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}`);
  const { db, tokens } = openStore(dataDirFlag(args), false);
  let rows: TokenInfo[];
  try { rows = tokens.list(); } finally { db.close(); }
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

function revoke(argv: string[]): number {
  const args = parseArgs(argv, { data: 'string' });
  if (args.help) { process.stdout.write(HELP); return 0; }
  if (args.positionals.length !== 1) throw new UsageError(args.positionals.length ? `unexpected argument ${JSON.stringify(args.positionals[1])}` : 'missing the NAME of the token to revoke');
  const dir = dataDirFlag(args);
  const name = args.positionals[0];
  const { db, tokens } = openStore(dir, false);
  let n: number;
  try { n = tokens.revoke(name, Date.now()); } finally { db.close(); }
  if (n === 0) { process.stderr.write(`vigil: no active token named ${JSON.stringify(name)}\n`); return 1; }
  process.stderr.write(`revoked ${n} token${n === 1 ? '' : 's'} named ${JSON.stringify(name)}\n`);
  return 0;
}

const SUB: Record<string, (argv: string[]) => number> = { create, list, revoke };

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
