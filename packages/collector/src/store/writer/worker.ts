/**
 * The writer thread's entry: its own connection to the database file runs every write
 * command the main thread sends (protocol.ts), each in one IMMEDIATE transaction, strictly
 * in the order received, and answers each in that order. Rows sent ahead of a command wait
 * here until it comes; it fails whole if some went missing.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openWriter } from '../db.js';
import { CommandRunner } from './runner.js';
import type { FromWriter, ToWriter, WriterData } from './protocol.js';

const port = parentPort!;
const db = openWriter((workerData as WriterData).file);
const runner = new CommandRunner(db);
let parts: unknown[][] = [];

port.on('message', (m: ToWriter) => {
  if (m.t === 'part') { parts.push(m.values); return; }
  if (m.t === 'discard') { parts = []; return; }
  if (m.t === 'close') { db.close(); port.close(); return; }
  const ahead = parts;
  parts = [];
  let reply: FromWriter;
  try {
    reply = { ok: true, result: runner.run(m.op, m.args, ahead, m.parts) };
  } catch (err) {
    reply = { ok: false, error: String((err as Error)?.message ?? err) };
  }
  port.postMessage(reply);
});
