// The collector's ingest alone, as an agent would feed it: a collector of the tree `bin`, one
// WebSocket session (hello, then pre-encoded batch frames of BATCH lines with a window of
// frames in flight, as the agent's transport keeps), timed from the first frame to the last
// ack. Frames are encoded once, outside the timing, with this tree's wire codec (the wire
// format is the contract, the same for every tree compared).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { encodeAgentFrame, decodeCollectorFrame } from '../../packages/proto/dist/index.js';
import { start, stop, vigilSync, freePort, waitFor, cpuSeconds, VIGIL } from './procs.mjs';

const WINDOW = 8;

export async function wsIngestRun(work, frames, bin = VIGIL) {
  const data = join(work, `ingest-${Math.random().toString(36).slice(2)}`);
  const port = await freePort();
  const token = vigilSync(['token', 'create', '--data', data, '--agent', 'bench'], bin);
  const collector = start(['collector', '--listen', `127.0.0.1:${port}`, '--data', data], {}, bin);
  try {
    await waitFor(() => fetch(`http://127.0.0.1:${port}/api/health`).then((r) => r.ok, () => false), 20_000, 'collector');
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ingest`, { headers: { authorization: `Bearer ${token}`, 'x-vigil-agent': 'bench' } });
    await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
    const acks = [];
    let wake = null;
    ws.on('message', (d) => { acks.push(decodeCollectorFrame(d)); wake?.(); });
    const next = async () => {
      while (acks.length === 0) await new Promise((r) => { wake = r; });
      return acks.shift();
    };
    ws.send(encodeAgentFrame({ hello: { agentName: 'bench', instanceId: `bench-${port}`, version: '0.1.0', clockMs: Date.now(), host: { hostname: 'bench' } } }));
    if (!(await next()).welcome) throw new Error('no welcome');
    const cpu0 = cpuSeconds(collector.pid);
    const t0 = process.hrtime.bigint();
    let sent = 0; // frames sent
    let done = 0; // frames wholly acked
    let acked = 0;
    const lastSeq = frames[frames.length - 1].last;
    while (acked < lastSeq) {
      while (sent < frames.length && sent - done < WINDOW) ws.send(frames[sent++].bytes);
      const f = await next();
      if (f.refusal) throw new Error(`refused: ${JSON.stringify(f.refusal)}`);
      if (f.ack) acked = f.ack.seq;
      while (done < sent && frames[done].last <= acked) done++;
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = cpuSeconds(collector.pid) - cpu0;
    ws.close();
    return { seconds, linesPerSec: lastSeq / seconds, cpu: { collector: cpu } };
  } finally {
    await stop(collector);
    rmSync(data, { recursive: true, force: true });
  }
}
