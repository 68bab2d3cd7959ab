/**
 * The live feed collector module: GET /api/feed as Server-Sent Events and as a
 * WebSocket upgrade on the same path, both fed by one FeedHub that logs every alert
 * change (ctx.bus 'alert') with a resumable sequence number. Silenced alerts do appear
 * on the feed, marked `silenced: true` (filter with ?silenced=false).
 */
import type { CollectorModule } from '../modules.js';
import { ConfigError, object, optional, timer } from '@vigil/proto';
import { FeedHub } from './hub.js';
import { registerSseRoute } from './sse.js';
import { feedUpgradeHandler } from './ws.js';

/** The config's `feed` section: entries kept for resuming, heartbeat period, stall limit. */
export const feedSection = object({
  keep: optional((v: unknown, path: string) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 100) throw new ConfigError(path, 'expected an integer >= 100');
    return v;
  }, 10_000),
  heartbeat: optional(timer(), 15_000),
  stall: optional(timer(), 30_000),
});

let running: { hub: FeedHub; closeWs(): void } | undefined;

const feedModule: CollectorModule = {
  name: 'feed',
  start(ctx, hooks) {
    const feed = feedSection(ctx.config.feed ?? {}, 'feed');
    const hub = new FeedHub(ctx, { keep: feed.keep, heartbeatMs: feed.heartbeat, stallMs: feed.stall });
    const auth = hooks.authenticate;
    registerSseRoute(hooks.app, hub, auth, hooks.watchToken);
    const ws = feedUpgradeHandler(hub, auth, hooks.watchToken);
    hooks.onUpgrade('/api/feed', ws.handler);
    hooks.metrics.gauge('vigil_feed_clients', 'Live feed clients connected (SSE and WebSocket).', () => hub.size);
    hooks.metrics.gauge('vigil_feed_dropped_clients', 'Feed clients dropped for not reading (they resume by Last-Event-ID).', () => hub.dropped);
    hooks.metrics.gauge('vigil_feed_last_seq', 'Sequence number of the newest feed entry.', () => hub.log.lastSeq());
    running = { hub, closeWs: ws.close };
  },
  stop() {
    running?.hub.stop();
    running?.closeWs();
    running = undefined;
  },
};

export default feedModule;
