/**
 * The start order of feature modules, derived from what they declare: a module starts
 * after the providers of every service it `needs` and after the modules it names in
 * `after` (when those are started too). A topological sort; ties keep the given order.
 * A need nobody provides, a service provided twice or a cycle is a ModuleOrderError.
 */
import type { CollectorModule } from './module-contract.js';

export class ModuleOrderError extends Error {}

type Declared = Pick<CollectorModule, 'name' | 'needs' | 'provides' | 'after'>;

/**
 * `mods` in an order where each starts after what it depends on. `provided`: services
 * already there (started earlier by the same collector), which count as met needs.
 */
export function startOrder<M extends Declared>(mods: readonly M[], provided: Iterable<string> = []): M[] {
  const byName = new Map<string, number>();
  mods.forEach((m, i) => {
    if (byName.has(m.name)) throw new ModuleOrderError(`module '${m.name}' is listed twice`);
    byName.set(m.name, i);
  });
  const already = new Set(provided);
  const provider = new Map<string, number>();
  mods.forEach((m, i) => {
    for (const s of m.provides ?? []) {
      const other = provider.get(s);
      if (other !== undefined) throw new ModuleOrderError(`service '${s}' is provided by both module '${mods[other].name}' and module '${m.name}'`);
      if (already.has(s)) throw new ModuleOrderError(`service '${s}' of module '${m.name}' is already provided`);
      provider.set(s, i);
    }
  });
  // before[i]: the modules that must start before module i
  const before = mods.map((m) => {
    const deps = new Set<number>();
    for (const s of m.needs ?? []) {
      if (already.has(s)) continue;
      const p = provider.get(s);
      if (p === undefined) throw new ModuleOrderError(`module '${m.name}' needs '${s}', which no module provides`);
      deps.add(p);
    }
    for (const a of m.after ?? []) {
      const p = byName.get(a);
      if (p !== undefined) deps.add(p);
    }
    return deps;
  });
  const order: number[] = [];
  const done = new Set<number>();
  while (order.length < mods.length) {
    const next = mods.findIndex((_, i) => !done.has(i) && [...before[i]].every((d) => done.has(d)));
    if (next < 0) throw new ModuleOrderError(`modules depend on each other in a cycle: ${cycleIn(mods, before, done)}`);
    order.push(next);
    done.add(next);
  }
  return order.map((i) => mods[i]);
}

/** One cycle among the modules not yet ordered, as `a -> b -> a`. */
function cycleIn(mods: readonly Declared[], before: Array<Set<number>>, done: Set<number>): string {
  // every remaining module waits on another remaining one: walk those waits until one repeats
  let at = mods.findIndex((_, i) => !done.has(i));
  const path: number[] = [];
  while (!path.includes(at)) {
    path.push(at);
    at = [...before[at]].find((d) => !done.has(d))!;
  }
  const loop = path.slice(path.indexOf(at));
  // `before` points from a module to what it waits on; print in start direction
  return [...loop, at].reverse().map((i) => mods[i].name).join(' -> ');
}
