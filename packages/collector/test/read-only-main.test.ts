/**
 * A running collector's main connection (ctx.db) refuses writes once its modules have
 * migrated: every write goes through the write queue. With it read-only, tokens are still
 * created, used (last use recorded) and revoked, an admin action is stored, and an agent's
 * batch is acked and stored. Real collector on a file database, real HTTP and WebSocket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../src/server.js';
import { AgentClient, line, tempDir, testCollector } from './core-helpers.js';
import { waitFor } from '../../../test/helpers/procs.js';

let tmp: ReturnType<typeof tempDir>;
let c: RunningCollector;
beforeAll(async () => {
  tmp = tempDir('vigil-read-only-');
  c = await testCollector(tmp.dir);
});
afterAll(async () => { await c?.stop(); tmp?.cleanup(); });

const get = (path: string, token: string) => fetch(c.url + path, { headers: { authorization: `Bearer ${token}` } });

describe('the main connection of a running collector', () => {
  it('refuses a write: SQLite answers readonly', () => {
    expect(() => c.ctx.db.prepare('UPDATE agents SET connected = 0').run()).toThrow(/readonly/);
    expect(() => c.ctx.db.prepare("INSERT INTO tokens (id, name, kind, role, hash, created) VALUES ('x', 'x', 'api', 'admin', x'00', 0)").run()).toThrow(/readonly/);
    expect(() => c.ctx.db.exec('CREATE TABLE stray (x)')).toThrow(/readonly/);
    expect(c.ctx.db.prepare('SELECT COUNT(*) AS n FROM tokens').get()).toEqual({ n: 0 }); // reads still work
  });

  it('while tokens are created, used and revoked, an admin action is stored and agent batches are acked', async () => {
    const admin = await c.core.tokens.create('api', 'ops', 'admin');
    const agentToken = await c.core.tokens.create('agent', 'web1');
    expect(c.core.tokens.list().map((t) => `${t.kind}:${t.name}`)).toEqual(['api:ops', 'agent:web1']);

    const silence = await fetch(`${c.url}/api/silences`, {
      method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ matchers: { agent: 'web1' }, duration: '1h', reason: 'maintenance' }),
    });
    expect(silence.status).toBeLessThan(300);
    expect(c.ctx.db.prepare('SELECT reason FROM silences').all()).toEqual([{ reason: 'maintenance' }]);
    await waitFor(() => c.core.tokens.list().find((t) => t.name === 'ops')!.last_used !== null, 5000, 'last use of ops');

    const a = await AgentClient.connect(c.url, { authorization: `Bearer ${agentToken}`, 'x-vigil-agent': 'web1' });
    try {
      a.send({ hello: { agentName: 'web1', instanceId: 'i1', version: '0.1.0', clockMs: Date.now(), host: { hostname: 'web1' } } });
      expect((await a.next()).welcome).toBeDefined();
      a.send({ batch: { firstSeq: 1, events: [line(0, 'Dec 10 07:13:10 web1 sshd[500]: Accepted publickey for deploy from 198.51.100.7 port 40000 ssh2')] } });
      expect((await a.next(10_000)).ack).toEqual({ seq: 1 });
      const page = await (await get('/api/events?agent=web1', admin)).json() as { events: unknown[] };
      expect(page.events).toHaveLength(1);

      expect(await c.core.tokens.revoke('web1', c.ctx.now())).toBe(1);
      await a.closed;                      // the revocation watch closes the session
      expect(a.closeCode).toBe(1008);
    } finally {
      await a.close();
    }
    expect(await c.core.tokens.revoke('ops', c.ctx.now())).toBe(1);
    expect((await get('/api/events', admin)).status).toBe(401);
  });
});
