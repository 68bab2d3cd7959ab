/**
 * Builds the SourceContext each source runs with: emit/checkpoints/room go straight to the
 * outbox; the logger is tagged with the source's name; the signal aborts on agent stop.
 * A failing emit is logged and rethrown to the source, never swallowed; a refusal for a
 * full disk only at debug level (the outbox logs the stall once).
 */
import type { Logger } from '@vigil/proto';
import type { SourceContext } from '../sources/source.js';
import type { Outbox } from './outbox.js';
import { DiskFullError } from './stall.js';

export function createSourceContext(outbox: Outbox, sourceName: string, log: Logger, signal: AbortSignal): SourceContext {
  const slog = log.child({ source: sourceName });
  return {
    emit(events, checkpoints) {
      try {
        outbox.emit(events, checkpoints);
      } catch (err) {
        if (err instanceof DiskFullError) slog.debug('outbox write refused: state disk full', { events: events.length });
        else slog.error('outbox write failed', { error: (err as Error).message, events: events.length });
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
