/**
 * Where other modules find the running alerts service: the rules engine's live module
 * and compliance fetch the AlertSink with alertSinkFor(ctx); outputs use the store and
 * silences. Keyed by context, so tests with several collectors in one process stay apart.
 */
import type { CollectorContext } from '../context.js';
import type { AlertService } from './service.js';
import type { AlertSink } from './types.js';

const services = new WeakMap<CollectorContext, AlertService>();

export function provideAlertService(ctx: CollectorContext, svc: AlertService): void {
  services.set(ctx, svc);
}

export function alertServiceFor(ctx: CollectorContext): AlertService | undefined {
  return services.get(ctx);
}

/** The sink the engine applies updates to; undefined until the alerts module has started. */
export function alertSinkFor(ctx: CollectorContext): AlertSink | undefined {
  return services.get(ctx);
}
