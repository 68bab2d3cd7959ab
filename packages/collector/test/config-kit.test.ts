/**
 * The agent, the collector and the collector's compliance section validate with the one
 * config kit of @vigil/proto: a bad value or an unknown key is answered in one format,
 * `<key path>: <what>, got <value>` (the agent prefixes `config: `; both CLIs exit 2).
 */
import { describe, expect, it } from 'vitest';
import { validateConfig as agentConfig } from '../../agent/src/config/schema.js';
import { validateConfig as collectorConfig } from '../src/config/load.js';

describe('one format in the agent, the collector and its compliance section', () => {
  it('answers the same bad duration the same way, naming the key path', () => {
    const why = 'expected a duration (e.g. 500ms, 30s, 5m, 1h30m, 2d, 2w or a number of seconds), got "soon"';
    expect(() => agentConfig({ probes: [{ name: 'a', url: 'http://x/', interval: 'soon' }] })).toThrow(`config: probes[0].interval: ${why}`);
    expect(() => collectorConfig({ retention: { interval: 'soon' } })).toThrow(`retention.interval: ${why}`);
    expect(() => collectorConfig({ compliance: { checks: { 'a-check': { window: 'soon' } } } })).toThrow(`compliance.checks.a-check.window: ${why}`);
  });
  it('answers an unknown key the same way', () => {
    expect(() => agentConfig({ metrics: { gpu: {} } })).toThrow('config: metrics.gpu: unknown key (known: host, docker)');
    expect(() => collectorConfig({ compliance: { intervall: '1m' } })).toThrow('compliance.intervall: unknown key (known: interval, grace, report_time, history, dir, checks)');
  });
});
