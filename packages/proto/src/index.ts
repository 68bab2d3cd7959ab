/**
 * @vigil/proto: the one wire schema (vigil.proto) and its codec, shared by the agent
 * and the collector. Nothing else crosses the network between them.
 */
export * from './types.js';
export * from './codec.js';
export * from './compress.js';
// The one logger both processes use (stderr, JSON lines).
export * from './log.js';
export * from './log-limit.js';
