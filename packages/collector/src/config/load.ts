/**
 * Reads and validates the collector's `--config` YAML file against SECTIONS: every key
 * must be known and every value valid, else ConfigError naming the key path (the CLI
 * exits 2 with it). Without a file, every section gets its defaults.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigError, object } from '@vigil/proto';
import { SECTIONS, type CoreConfig } from './sections.js';

export type CollectorConfig = CoreConfig & Record<string, unknown>;

export function validateConfig(raw: unknown): CollectorConfig {
  return object(SECTIONS)(raw, '') as unknown as CollectorConfig;
}

export function loadConfig(file?: string): CollectorConfig {
  if (!file) return validateConfig({});
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('--config', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0].line;
    throw new ConfigError('--config', `${file}${line ? ` line ${line}` : ''}: ${e.message.split('\n')[0]}`);
  }
  let raw: unknown;
  try { raw = doc.toJS(); } catch (err) { // an alias without its anchor, or too many aliases
    throw new ConfigError('--config', `${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  return validateConfig(raw);
}
