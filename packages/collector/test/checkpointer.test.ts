import { afterEach, describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../src/store/db.js';
import { migrateCore } from '../src/store/schema.js';
import { Checkpointer } from '../src/store/checkpointer.js';
import { tempDir } from './core-helpers.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => { while (cleanups.length) await cleanups.pop()!(); });

describe('WAL checkpoints in a worker thread', () => {
  it('copies committed pages into the database file off the writer thread, and stops cleanly', async () => {
    const t = tempDir();
    const file = join(t.dir, 'vigil.db');
    const db = openDatabase(file);
    cleanups.push(t.cleanup, () => db.close());
    db.pragma('wal_autocheckpoint = 0'); // only the worker checkpoints here
    migrateCore(db);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const before = statSync(file).size;
    const insert = db.prepare(`INSERT INTO events (agent, seq, kind, ts, ingested, fields) VALUES ('a', ?, 'log', ?, 0, ?)`);
    db.transaction(() => { for (let i = 1; i <= 2000; i++) insert.run(i, i, JSON.stringify({ n: i, pad: 'x'.repeat(200) })); })();
    expect(statSync(file).size).toBe(before); // all in the WAL so far

    const errors: string[] = [];
    const cp = new Checkpointer(file, { onError: (e) => errors.push(e) });
    cp.request();
    cp.request(); // folds into one more run after the first
    const deadline = Date.now() + 10_000;
    while (cp.done < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(cp.done).toBe(2);
    expect(errors).toEqual([]);
    expect(statSync(file).size).toBeGreaterThan(before + 2000 * 200);
    await cp.close();
    cp.request(); // after close: ignored
    expect(db.prepare('SELECT COUNT(*) FROM events').pluck().get()).toBe(2000);
  });
});
