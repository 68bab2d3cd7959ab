/**
 * The seam between the detection engine and the alerts store. The engine owns the
 * shapes (AlertUpdate, AlertSink in src/rules/types.ts); this module re-exports them so
 * alerts code imports from one place, and names who acts on an alert.
 */
export type { AlertSink, AlertUpdate } from '../rules/types.js';

/** Who acted on an alert or a silence: an API token's name, or 'system'. */
export type Actor = string;
