/**
 * Loads the agent config: the YAML file named by --config (validated by schema.ts), or
 * this host's default config without one. Unreadable files and YAML syntax errors are
 * UsageErrors too (exit 2), naming the file and the line.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { defaultConfig } from './defaults.js';
import { validateConfig } from './schema.js';
import { UsageError } from './types.js';
import type { AgentConfig } from './types.js';

export function parseConfigText(text: string, file = 'config'): AgentConfig {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line;
    throw new UsageError(`config: ${file}${line ? `:${line}` : ''}: ${e.message.split('\n')[0]}`);
  }
  let raw: unknown;
  try { raw = doc.toJS(); } catch (err) { // an alias without its anchor, or too many aliases
    throw new UsageError(`config: ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  return validateConfig(raw);
}

export function loadConfig(file: string | undefined): AgentConfig {
  if (file === undefined) return defaultConfig();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--config: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseConfigText(text, file);
}
