/**
 * The live feed collector module: GET /api/feed as Server-Sent Events and as a
 * WebSocket upgrade on the same path, both fed by one FeedHub that logs every alert
 * change (ctx.bus 'alert') with a resumable sequence number. Silenced alerts do appear
 * on the feed, marked `silenced: true` (filter with ?silenced=false). The hub and its
 * WebSocket server belong to the start() that made them; its disposer ends both.
 */
import type { CollectorModule } from '../module-contract.js';
import { feedSection } from './config.js';
import { FeedHub } from './hub.js';
import { registerSseRoute } from './sse.js';
import { feedUpgradeHandler } from './ws.js';

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
    return () => { hub.stop(); ws.close(); };
  },
};

export default feedModule;
