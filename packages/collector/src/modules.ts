/**
 * The collector's feature modules, started after the store and before the server listens:
 * each registers its routes, WebSocket upgrade paths, bus listeners and timers, and its
 * start() returns the disposer that ends them. The start order is derived from what each
 * module declares (module-order.ts), not from this list. Adding a feature is one entry here.
 */
import type { CollectorModule } from './module-contract.js';

/** Loaded lazily. Each module file default-exports a CollectorModule. */
export const MODULES: Array<() => Promise<{ default: CollectorModule }>> = [
  () => import('./telemetry/module.js'),
  () => import('./alerts/module.js'),
  () => import('./feed/module.js'),
  () => import('./outputs/module.js'),
  () => import('./rules/module.js'),
  () => import('./compliance/module.js'),
];

/** Every feature module, loaded (in list order; startModules derives the start order). */
export async function loadModules(): Promise<CollectorModule[]> {
  return Promise.all(MODULES.map(async (load) => (await load()).default));
}
