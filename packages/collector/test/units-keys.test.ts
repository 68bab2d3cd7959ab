/**
 * Every duration and size key of the collector reads the one grammar of @vigil/proto's
 * units: a rule file, the collector config (validated and through the built CLI), a
 * compliance setting and a silence's duration take `1h30m` and `2w`; sizes read k as 1000
 * and KiB as 1024; a bad value is an error naming the key (the CLI exits 2).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRuleset } from '../src/rules/loader.js';
import { DEFAULT_GLOBAL_ALLOWLIST } from '../src/rules/allowlist.js';
import { validateConfig } from '../src/config/load.js';
import { parseComplianceConfig } from '../src/compliance/settings.js';
import { RULESET_DIR } from '../src/paths.js';
import { tempDir } from './core-helpers.js';

const MAIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const t = tempDir('vigil-units-');
afterAll(() => t.cleanup());

/** The built-in ssh-brute-force rule with its window and cooldown rewritten. */
const BUILTIN = readFileSync(join(RULESET_DIR, 'detections', 'ssh-brute-force.yaml'), 'utf8');
const rule = (window: string, cooldown: string) => BUILTIN.replace(/^window: .*$/m, `window: ${window}`).replace(/^cooldown: .*$/m, `cooldown: ${cooldown}`);

describe('one duration grammar for every key', () => {
  it('a rule file takes 1h30m and 2w', () => {
    const d = join(t.dir, 'rules-ok');
    mkdirSync(d);
    writeFileSync(join(d, 'ssh-brute-force.yaml'), rule('1h30m', '2w'));
    const [r] = loadRuleset(d, DEFAULT_GLOBAL_ALLOWLIST);
    expect(r.spec).toMatchObject({ windowMs: 5_400_000, cooldownMs: 1_209_600_000 });
  });
  it('a rule file with a bad duration names the file and key', () => {
    const d = join(t.dir, 'rules-bad');
    mkdirSync(d);
    writeFileSync(join(d, 'ssh-brute-force.yaml'), rule('1h30x', '2w'));
    expect(() => loadRuleset(d, DEFAULT_GLOBAL_ALLOWLIST)).toThrow(/ssh-brute-force\.yaml: window: '1h30x' is not a duration/);
  });
  it('the collector config takes 1h30m and 2w, and k = 1000, KiB = 1024', () => {
    const c = validateConfig({
      retention: { max_age: '2w', interval: '1h30m', max_bytes: '2GiB' },
      ingest: { heartbeat_timeout: '1m30s', max_frame_bytes: '512k', max_line_bytes: '64KiB' },
      rules: { lateness: '1h30m' },
      outputs: { group_window: '1h30m', escalation: { after: '2w' } },
    });
    expect(c.retention).toEqual({ max_age: 1_209_600_000, interval: 5_400_000, max_bytes: 2 * 1024 ** 3 });
    expect(c.ingest).toEqual({ heartbeat_timeout: 90_000, max_frame_bytes: 512_000, max_line_bytes: 65_536 });
    expect((c.rules as { lateness: number }).lateness).toBe(5_400_000);
    expect(c.outputs).toMatchObject({ group_window: 5_400_000, escalation: { after: 1_209_600_000 } });
  });
  it('a compliance setting takes 1h30m and 2w', () => {
    const c = parseComplianceConfig({ interval: '1h30m', history: '2w', checks: { 'a-check': { window: '2w', grace: '1h30m' } } });
    expect(c).toMatchObject({ intervalMs: 5_400_000, historyMs: 1_209_600_000, checks: { 'a-check': { windowMs: 1_209_600_000, graceMs: 5_400_000 } } });
    expect(() => parseComplianceConfig({ history: '2 weeks' })).toThrow(/compliance\.history: expected a duration .*, got "2 weeks"/);
  });
  it.each([
    ['retention:\n  interval: 1h30x\n', 'retention.interval', 'expected a duration'],
    ['ingest:\n  max_frame_bytes: 1kilo\n', 'ingest.max_frame_bytes', 'expected a size'],
    ['compliance:\n  history: 2 weeks\n', 'compliance.history', 'expected a duration'],
    ['outputs:\n  group_window: -5s\n', 'outputs.group_window', 'expected a duration'],
    ['retention:\n  interval: 4w\n', 'retention.interval', 'expected a duration from 1ms to 24d, got "4w"'],
  ])('the built CLI exits 2 on %j naming the key', (yaml, key, why) => {
    const cfg = join(t.dir, `bad-${key}.yaml`);
    writeFileSync(cfg, yaml);
    const r = spawnSync(process.execPath, [MAIN, 'collector', '--listen', '127.0.0.1:0', '--data', join(t.dir, 'd'), '--config', cfg], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${key}: ${why}`);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
  it('the built CLI starts with 1h30m and 2w in the config', () => {
    // The config passes; the CLI then stops (exit 2, before opening anything) on the
    // deliberately half TLS pair, which it checks after the config.
    const cfg = join(t.dir, 'good.yaml');
    writeFileSync(cfg, 'retention:\n  max_age: 2w\n  interval: 1h30m\ntls:\n  cert: /nonexistent/cert.pem\n');
    const r = spawnSync(process.execPath, [MAIN, 'collector', '--listen', '127.0.0.1:0', '--data', join(t.dir, 'd'), '--config', cfg], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('tls: cert and key go together');
    expect(r.stderr).not.toMatch(/retention/);
  });
});
