/**
 * Builds the SourceContext each source runs with: emit/checkpoints/room go straight to the
 * outbox; the logger is tagged with the source's name; the signal aborts on agent stop.
 * A failing emit (disk full, ...) is logged and rethrown to the source, never swallowed.
 */
import type { Logger } from '@vigil/proto';
import type { SourceContext } from '../sources/source.js';
import type { Outbox } from './outbox.js';

export function createSourceContext(outbox: Outbox, sourceName: string, log: Logger, signal: AbortSignal): SourceContext {
  const slog = log.child({ source: sourceName });
  return {
    emit(events, checkpoints) {
      try {
        outbox.emit(events, checkpoints);
      } catch (err) {
        slog.error('outbox write failed', { error: (err as Error).message, events: events.length });
        throw err;
      }
    },
    checkpoint: (key) => outbox.checkpoint(key),
    checkpoints: (prefix) => outbox.checkpoints(prefix),
    room: () => outbox.room(),
    log: slog,
    signal,
  };
}
