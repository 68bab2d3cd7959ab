/**
 * The rules collector module: loads the ruleset (collector config `rules:`, default
 * ruleset/detections), runs the engine on ctx.bus 'accepted' (alerts go out on
 * 'committed') and 'heartbeat', ticks the watermark, reloads on SIGHUP or folder change,
 * and publishes per-rule gauges (keys held, evictions, events, open alerts) on /metrics.
 * Needs the alerts service (its alert sink); provides the running engine (RULES).
 */
import { ALERTS } from '../alerts/key.js';
import { readRulesConfig } from './config.js';
import { RULES } from './key.js';
import { LiveRules } from './live.js';
import { watchReloads, type Reloader } from './reload.js';
import type { CollectorModule } from '../module-contract.js';
import type { StoredEvent } from '../model.js';

const rulesModule: CollectorModule = {
  name: 'rules',
  needs: [ALERTS.name],
  provides: [RULES.name],
  // its alert changes reach the feed and the outputs only once they listen
  after: ['feed', 'outputs'],
  start(ctx, server) {
    const cfg = readRulesConfig(ctx.config);
    const log = ctx.log.child({ module: 'rules' });
    const sink = server.services.get(ALERTS);
    const l = new LiveRules(cfg, () => ctx.now(), () => sink, log);
    server.services.provide(RULES, l);
    log.info('rules loaded', { dir: cfg.dir, rules: l.engine.rules.length });
    const onAccepted = (events: StoredEvent[]) => l.accepted(events);
    const onCommitted = () => l.committed();
    const onHeartbeat = (agent: string, at: number) => l.heartbeat(agent, at);
    ctx.bus.on('accepted', onAccepted);
    ctx.bus.on('committed', onCommitted);
    ctx.bus.on('heartbeat', onHeartbeat);
    const tick = setInterval(() => l.tick(), 1000);
    tick.unref();
    const reloader: Reloader = watchReloads(cfg.dir, cfg.watch, (why) => l.reload(why), (e) => log.warn('rules folder watch failed', { error: e.message }));
    const per = (pick: (s: ReturnType<LiveRules['stats']>[number]) => number) => () => l.stats().map((s) => ({ labels: { rule: s.rule }, value: pick(s) }));
    server.metrics.gauge('vigil_rule_keys', 'Keys (groups) held in memory per detection rule', per((s) => s.keys));
    server.metrics.gauge('vigil_rule_evictions', 'Keys evicted per detection rule since start (max_keys reached)', per((s) => s.evictions));
    server.metrics.gauge('vigil_rule_events', 'Events that reached each detection rule since start', per((s) => s.events));
    server.metrics.gauge('vigil_rule_alerts_open', 'Open alerts per detection rule', per((s) => s.alerts_open));
    server.metrics.gauge('vigil_rules_reload_errors', 'Ruleset reloads rejected by validation', () => l.reloadErrors);
    return () => {
      ctx.bus.off('accepted', onAccepted);
      ctx.bus.off('committed', onCommitted);
      ctx.bus.off('heartbeat', onHeartbeat);
      clearInterval(tick);
      reloader.stop();
    };
  },
};

export default rulesModule;
