/**
 * Starts one of the store's typed worker modules (writer/worker.ts, checkpoint-worker.ts) next
 * to the module asking: from dist it is the plain .js file; from src (tests run TypeScript)
 * the .ts file, through ts-worker.mjs, which registers tsx (a devDependency) in the thread
 * first. No code is eval'd.
 */
import { Worker } from 'node:worker_threads';

/** `base` is the caller's import.meta.url; `name` the worker file's name without extension. */
export function spawnWorker(base: string, name: string, workerData: unknown): Worker {
  if (!new URL(base).pathname.endsWith('.ts')) return new Worker(new URL(`${name}.js`, base), { workerData });
  return new Worker(new URL('ts-worker.mjs', import.meta.url), { workerData, argv: [new URL(`${name}.ts`, base).href] });
}
