// Generates a realistic auth.log with known ground truth, from a fixed seed: fast attackers
// (10-40 attempts, a few seconds apart), slow attackers (one attempt about every 2 minutes,
// 8-30 attempts), benign users who fail once or twice then log in, scanners that never try a
// password, and sessions, sudo, CRON and systemd noise; IPv4 and IPv6 sources. Actors run
// interleaved in time (a heap of their next line), so the file streams in time order.
// Usage: node bench/gen-auth.mjs OUT [LINES] [SEED]   (prints the truth as JSON)
import { createWriteStream } from 'node:fs';
import { pathToFileURL } from 'node:url';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const USERS = ['alice', 'bob', 'carol', 'deploy', 'backup', 'dave'];
const GUESSES = ['admin', 'test', 'oracle', 'ubuntu', 'pi', 'git', 'postgres', 'user', 'guest', 'ftpuser', 'support', 'www'];

function prng(seed) {
  let a = seed >>> 0;
  const next = () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  return { next, int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), pick: (xs) => xs[Math.floor(next() * xs.length)] };
}

/** A min-heap of actors by next time. */
class Heap {
  constructor() { this.a = []; }
  get size() { return this.a.length; }
  push(x) { const a = this.a; a.push(x); let i = a.length - 1; while (i > 0) { const p = (i - 1) >> 1; if (a[p].t <= x.t) break; a[i] = a[p]; i = p; } a[i] = x; }
  pop() {
    const a = this.a, top = a[0], last = a.pop();
    if (a.length) { let i = 0; for (;;) { let c = 2 * i + 1; if (c >= a.length) break; if (c + 1 < a.length && a[c + 1].t < a[c].t) c++; if (a[c].t >= last.t) break; a[i] = a[c]; i = c; } a[i] = last; }
    return top;
  }
}

export async function generateAuthLog(file, { lines = 20000, seed = 7, host = 'web-1' } = {}) {
  const r = prng(seed);
  const truth = { fast: [], slow: [], benign: [], scanners: [], lines: 0 };
  let ipn = 0;
  const uniqueIp = (v6) => { ipn++; return v6 ? `2001:db8:${(ipn >> 16).toString(16)}:${(ipn & 0xffff).toString(16)}::${r.int(1, 0xfff).toString(16)}` : `${[198, 203, 100, 45][ipn % 4]}.${(ipn >> 16) & 255}.${(ipn >> 8) & 255}.${ipn & 255}`; };
  let pid = 2000;
  const port = () => r.int(1025, 65000);

  // Each actor is a generator yielding [delaySeconds, message] steps.
  function* attempt(ip, user, invalid) {
    const p = ++pid, pt = port();
    if (invalid) {
      yield [0, `sshd[${p}]: Invalid user ${user} from ${ip} port ${pt}`];
      yield [0, `sshd[${p}]: input_userauth_request: invalid user ${user} [preauth]`];
      yield [0, `sshd[${p}]: pam_unix(sshd:auth): check pass; user unknown`];
      yield [0, `sshd[${p}]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}`];
      yield [2, `sshd[${p}]: Failed password for invalid user ${user} from ${ip} port ${pt} ssh2`];
      yield [0, `sshd[${p}]: Received disconnect from ${ip} port ${pt}:11: Bye Bye [preauth]`];
    } else {
      yield [0, `sshd[${p}]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}  user=${user}`];
      yield [2, `sshd[${p}]: Failed password for ${user} from ${ip} port ${pt} ssh2`];
      yield [0, `sshd[${p}]: Connection closed by authenticating user ${user} ${ip} port ${pt} [preauth]`];
    }
  }
  const made = new Map(); // attacker address -> attempts written so far
  function* attacker(ip, n, gap) {
    for (let i = 0; i < n; i++) {
      const invalid = r.next() < 0.5;
      yield* attempt(ip, invalid ? r.pick(GUESSES) : 'root', invalid);
      made.set(ip, i + 1);
      yield [gap(), null];
    }
  }
  function* benign(ip, user) {
    const fails = r.int(1, 2);
    for (let i = 0; i < fails; i++) { yield* attempt(ip, user, false); yield [r.int(3, 20), null]; }
    const p = ++pid, pt = port();
    yield [0, `sshd[${p}]: Accepted password for ${user} from ${ip} port ${pt} ssh2`];
    yield [0, `sshd[${p}]: pam_unix(sshd:session): session opened for user ${user}(uid=1000) by (uid=0)`];
    yield [0, `systemd-logind[412]: New session ${p} of user ${user}.`];
    if (r.next() < 0.5) {
      yield [r.int(5, 60), `sudo:   ${user} : TTY=pts/0 ; PWD=/home/${user} ; USER=root ; COMMAND=/usr/bin/systemctl status app`];
      yield [0, `sudo: pam_unix(sudo:session): session opened for user root(uid=0) by ${user}(uid=1000)`];
      yield [1, `sudo: pam_unix(sudo:session): session closed for user root`];
    }
    yield [r.int(60, 1800), `sshd[${p}]: Received disconnect from ${ip} port ${pt}:11: disconnected by user`];
    yield [0, `sshd[${p}]: Disconnected from user ${user} ${ip} port ${pt}`];
    yield [0, `sshd[${p}]: pam_unix(sshd:session): session closed for user ${user}`];
    yield [0, `systemd-logind[412]: Session ${p} logged out. Waiting for processes to exit.`];
  }
  function* scanner(ip) {
    const p = ++pid, pt = port();
    switch (r.int(0, 3)) {
      case 0: yield [0, `sshd[${p}]: Did not receive identification string from ${ip} port ${pt}`]; break;
      case 1: yield [0, `sshd[${p}]: Connection closed by ${ip} port ${pt} [preauth]`]; break;
      case 2: yield [0, `sshd[${p}]: reverse mapping checking getaddrinfo for scan-${pid}.example.net [${ip}] failed - POSSIBLE BREAK-IN ATTEMPT!`];
        yield [1, `sshd[${p}]: Received disconnect from ${ip} port ${pt}:11: Bye Bye [preauth]`]; break;
      default: yield [0, `sshd[${p}]: Unable to negotiate with ${ip} port ${pt}: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]`];
    }
  }
  function* noise() {
    const p = ++pid;
    switch (r.int(0, 2)) {
      case 0: yield [0, `CRON[${p}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)`]; yield [1, `CRON[${p}]: pam_unix(cron:session): session closed for user root`]; break;
      case 1: yield [0, `systemd[1]: Starting Daily apt download activities...`]; yield [2, `systemd[1]: apt-daily.service: Deactivated successfully.`]; break;
      default: yield [0, `systemd-logind[412]: Watching system buttons on /dev/input/event0 (Power Button)`];
    }
  }

  const heap = new Heap();
  let t = Date.UTC(2026, 2, 1, 0, 0, 0) / 1000;
  const spawnAt = (time, gen) => heap.push({ t: time, gen });
  const arrival = () => {
    const x = r.next();
    if (x < 0.004) { const ip = uniqueIp(r.next() < 0.3); truth.fast.push(ip); return attacker(ip, r.int(10, 40), () => r.int(1, 4)); }
    if (x < 0.008) { const ip = uniqueIp(r.next() < 0.3); truth.slow.push(ip); return attacker(ip, r.int(8, 30), () => r.int(110, 130)); }
    if (x < 0.10) { const ip = uniqueIp(r.next() < 0.2); truth.benign.push(ip); return benign(ip, r.pick(USERS)); }
    if (x < 0.35) { const ip = uniqueIp(r.next() < 0.3); truth.scanners.push(ip); return scanner(ip); }
    return noise();
  };
  let nextArrival = t;
  const out = createWriteStream(file);
  let buf = '';
  let n = 0;
  while (n < lines) {
    while (nextArrival <= (heap.size ? heap.a[0].t : Infinity) || !heap.size) {
      spawnAt(nextArrival, arrival());
      nextArrival += r.int(0, 3);
    }
    const actor = heap.pop();
    t = actor.t;
    const step = actor.gen.next();
    if (step.done) continue;
    const [delay, msg] = step.value;
    if (msg === null) { actor.t = t + delay; heap.push(actor); continue; }
    actor.t = t + delay; heap.push(actor);
    const d = new Date(t * 1000);
    buf += `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)} ${host} ${msg}\n`;
    n++;
    if (buf.length > 1 << 20) { if (!out.write(buf)) await new Promise((res) => out.once('drain', res)); buf = ''; }
  }
  out.write(buf);
  await new Promise((res, rej) => out.end((e) => (e ? rej(e) : res())));
  truth.lines = n;
  // Attackers cut short by the end of the file (fewer than 5 attempts written) are neither
  // attackers to find nor benign: they are listed apart.
  truth.truncated = [...truth.fast, ...truth.slow].filter((ip) => (made.get(ip) ?? 0) < 5);
  const cut = new Set(truth.truncated);
  truth.fast = truth.fast.filter((ip) => !cut.has(ip));
  truth.slow = truth.slow.filter((ip) => !cut.has(ip));
  return truth;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [file, lines, seed] = process.argv.slice(2);
  if (!file) { process.stderr.write('usage: node bench/gen-auth.mjs OUT [LINES] [SEED]\n'); process.exit(2); }
  const truth = await generateAuthLog(file, { lines: Number(lines || 20000), seed: Number(seed || 7) });
  process.stdout.write(JSON.stringify({ lines: truth.lines, fast: truth.fast.length, slow: truth.slow.length, benign: truth.benign.length, scanners: truth.scanners.length }) + '\n');
}
