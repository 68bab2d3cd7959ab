/**
 * A strict command-line flag parser for the collector's subcommands: `--flag value`,
 * `--flag=value` and boolean `--flag`; any unknown flag or missing value is a UsageError
 * naming it (the CLI exits 2 with that one line).
 */
import { sharedDirProblem } from '@vigil/proto';

export class UsageError extends Error {
  constructor(message: string) { super(message); this.name = 'UsageError'; }
}

export type FlagKind = 'string' | 'boolean';
export type FlagSpec = Record<string, FlagKind>;

export interface ParsedArgs {
  flags: Record<string, string | boolean | undefined>;
  positionals: string[];
  help: boolean;
}

export function parseArgs(argv: string[], spec: FlagSpec): ParsedArgs {
  const flags: ParsedArgs['flags'] = {};
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') { help = true; continue; }
    if (arg === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (!arg.startsWith('-') || arg === '-') { positionals.push(arg); continue; }
    const eq = arg.indexOf('=');
    const name = arg.slice(arg.startsWith('--') ? 2 : 1, eq === -1 ? undefined : eq);
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown flag ${arg.slice(0, eq === -1 ? undefined : eq)}`);
    if (flags[name] !== undefined) throw new UsageError(`flag --${name} given twice`);
    if (kind === 'boolean') {
      if (eq !== -1) throw new UsageError(`flag --${name} takes no value`);
      flags[name] = true;
      continue;
    }
    const value = eq !== -1 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq === -1 && value.startsWith('--'))) throw new UsageError(`flag --${name} needs a value`);
    if (value === '') throw new UsageError(`flag --${name} needs a non-empty value`);
    flags[name] = value;
  }
  return { flags, positionals, help };
}

export function required(args: ParsedArgs, name: string): string {
  const v = args.flags[name];
  if (typeof v !== 'string') throw new UsageError(`missing required flag --${name}`);
  return v;
}

/** `--data DIR`: required, and a folder Vigil can keep private (not shared like /tmp). */
export function dataDirFlag(args: ParsedArgs): string {
  const dir = required(args, 'data');
  const problem = sharedDirProblem(dir);
  if (problem) throw new UsageError(`--data: ${problem}`);
  return dir;
}

export function optionalFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags[name];
  return typeof v === 'string' ? v : undefined;
}
