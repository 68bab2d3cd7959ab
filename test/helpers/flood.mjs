// Flood helper for test/flood.e2e.test.ts, run as its own process (its own open-files
// limit): opens COUNT TCP connections from LOCAL (source address) to HOST:PORT, a bounded
// number in flight; `idle` sends nothing, `request` sends one keep-alive GET /api/health.
// Prints its state as one JSON line every 100 ms; exits when stdin closes or on SIGTERM.
import net from 'node:net';

const [host, port, count, local, mode = 'idle'] = process.argv.slice(2);
const total = Number(count);
const s = { started: 0, connected: 0, failed: 0, open: 0, closed: 0, maxLifeMs: 0 };
const IN_FLIGHT = 500;
let inFlight = 0;

function one() {
  s.started++;
  inFlight++;
  let at = 0;
  const sock = net.connect({ host, port: Number(port), localAddress: local });
  sock.on('connect', () => {
    at = Date.now();
    s.connected++; s.open++; inFlight--;
    if (mode === 'request') sock.write(`GET /api/health HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    pump();
  });
  sock.on('data', () => {});
  sock.on('error', () => {});
  sock.on('close', () => {
    if (at) { s.open--; s.closed++; s.maxLifeMs = Math.max(s.maxLifeMs, Date.now() - at); } else { s.failed++; inFlight--; pump(); }
  });
}
function pump() { while (inFlight < IN_FLIGHT && s.started < total) one(); }
pump();
setInterval(() => process.stdout.write(JSON.stringify(s) + '\n'), 100);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
