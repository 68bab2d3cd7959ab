/**
 * Starts feature modules for one collector instance: in the order module-order.ts derives,
 * each with a view of this instance's service registry that lets it get only what it
 * `needs` and provide only what it `provides`; keeps their disposers and stops them in
 * reverse. A start that fails stops the ones already started. No state outside the instance.
 */
import type { CollectorContext } from './context.js';
import type { CollectorModule, ModuleDisposer, ModuleServices, ServerHooks, ServiceKey } from './module-contract.js';
import { ModuleOrderError, startOrder } from './module-order.js';

/** One collector's services, by name. */
export class ServiceRegistry {
  private readonly values = new Map<string, unknown>();

  names(): string[] { return [...this.values.keys()]; }
  has(name: string): boolean { return this.values.has(name); }
  /** The service's value, or undefined when no started module provided it. */
  find<T>(key: ServiceKey<T>): T | undefined { return this.values.get(key.name) as T | undefined; }

  /** The view one module gets: its declared needs and provides, nothing else. */
  viewFor(mod: Pick<CollectorModule, 'name' | 'needs' | 'provides'>): ModuleServices {
    return {
      get: <T>(key: ServiceKey<T>): T => {
        if (!mod.needs?.includes(key.name)) throw new ModuleOrderError(`module '${mod.name}' uses service '${key.name}' without declaring it in needs`);
        if (!this.values.has(key.name)) throw new ModuleOrderError(`module '${mod.name}' needs '${key.name}', which has not been provided`);
        return this.values.get(key.name) as T;
      },
      provide: <T>(key: ServiceKey<T>, value: T): void => {
        if (!mod.provides?.includes(key.name)) throw new ModuleOrderError(`module '${mod.name}' provides service '${key.name}' without declaring it in provides`);
        if (this.values.has(key.name)) throw new ModuleOrderError(`service '${key.name}' is already provided`);
        this.values.set(key.name, value);
      },
    };
  }

  remove(names: readonly string[]): void { for (const n of names) this.values.delete(n); }
}

export interface RunningModules {
  /** The registry the modules provided into (shared with later startModules calls). */
  services: ServiceRegistry;
  /** Module names in start order. */
  order: string[];
  /** Runs the disposers in reverse start order; a failing one is logged, the rest still run. */
  stop(): Promise<void>;
}

export interface StartModulesOptions {
  /** Services already provided by modules this collector started before (default: none). */
  services?: ServiceRegistry;
}

export async function startModules(
  mods: readonly CollectorModule[], ctx: CollectorContext, hooks: Omit<ServerHooks, 'services'>, opts: StartModulesOptions = {},
): Promise<RunningModules> {
  const services = opts.services ?? new ServiceRegistry();
  const ordered = startOrder(mods, services.names());
  const started: Array<{ mod: CollectorModule; dispose: ModuleDisposer }> = [];
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (async () => {
    for (const { mod, dispose } of started.reverse()) {
      try { await dispose(); } catch (err) { ctx.log.error('module stop failed', { module: mod.name, error: (err as Error).message }); }
      services.remove(mod.provides ?? []);
    }
  })());
  try {
    for (const mod of ordered) {
      const dispose = await mod.start(ctx, { ...hooks, services: services.viewFor(mod) });
      if (typeof dispose !== 'function') throw new ModuleOrderError(`module '${mod.name}': start() returned no disposer`);
      started.push({ mod, dispose });
      const missing = (mod.provides ?? []).filter((s) => !services.has(s));
      if (missing.length) throw new ModuleOrderError(`module '${mod.name}' declares provides '${missing.join("', '")}' but did not provide it`);
      ctx.log.info('module started', { module: mod.name });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { services, order: ordered.map((m) => m.name), stop };
}
