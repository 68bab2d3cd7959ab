/**
 * Reload triggers for the live ruleset: SIGHUP and changes in the rules folder
 * (fs.watch, debounced so an editor's save-rename-chmod burst reloads once). The caller's
 * reload function validates first and keeps the old ruleset on any error.
 */
import { watch, type FSWatcher } from 'node:fs';

export interface Reloader { stop(): void }

export function watchReloads(dir: string, useWatch: boolean, reload: (why: string) => void, onError: (e: Error) => void, debounceMs = 250): Reloader {
  let timer: NodeJS.Timeout | null = null;
  const schedule = (why: string) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => { timer = null; reload(why); }, debounceMs);
    timer.unref();
  };
  const onHup = () => schedule('SIGHUP');
  process.on('SIGHUP', onHup);
  let watcher: FSWatcher | null = null;
  if (useWatch) {
    try {
      watcher = watch(dir, (_event, name) => { if (name && /\.ya?ml$/.test(String(name))) schedule(`change of ${String(name)}`); });
      watcher.on('error', onError);
      watcher.unref();
    } catch (e) {
      onError(e as Error);
    }
  }
  return {
    stop() {
      process.off('SIGHUP', onHup);
      watcher?.close();
      if (timer) clearTimeout(timer);
    },
  };
}
