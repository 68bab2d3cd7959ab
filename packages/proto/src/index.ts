/**
 * @vigil/proto: the one wire schema (vigil.proto) and its codec, shared by the agent
 * and the collector. Nothing else crosses the network between them.
 */
export * from './types.js';
export * from './codec.js';
export * from './compress.js';
// The one logger both processes use (stderr, JSON lines).
export * from './log.js';
// Files and folders for the owner alone (0600/0700), shared by both processes.
export * from './private-fs.js';
// A log line per reason and interval, with the count of lines held back.
export * from './log-limit.js';
// Journal field values (string, number or byte array) as text.
export * from './journal-field.js';
// The one grammar of durations (1h30m, 2w) and sizes (k = 1000, KiB = 1024), README "Durations and sizes".
export * from './units.js';
// The one config validator kit (ConfigError naming the key path; the CLIs exit 2 on it).
export * from './config-validate.js';
