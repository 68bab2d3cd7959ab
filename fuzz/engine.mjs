// A small coverage-guided fuzzer (@jazzer.js/core cannot run here: README "Soak and fuzz").
// Feedback: V8 block coverage (node:inspector precise coverage) after every input; a new
// (script, block, bucketed count) feature adds the input to the corpus. Inputs: stacked byte
// mutations and splices of corpus entries. Targets run in a worker watched for hangs; throws
// and hangs are saved, one per distinct error, under `outDir` (default .vigil/fuzz/).
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const MAX_LEN_CAP = 1 << 16;
const HERE = new URL('.', import.meta.url).href;
const sha = (b) => createHash('sha1').update(b).digest('hex').slice(0, 16);

/** One signature per distinct failure: the error's name, message shape and first own frame. */
export function signature(err) {
  const msg = String(err?.message ?? err).split('\n')[0].replace(/\d+/g, 'N').slice(0, 120);
  const frame = String(err?.stack ?? '').split('\n').find((l) => l.includes('/packages/')) ?? '';
  return `${err?.name ?? typeof err}: ${msg} @ ${frame.trim().replace(/:\d+:\d+\)?$/, '')}`;
}

// ---- the worker: mutate, run, measure coverage ---------------------------------------

function coverage() {
  const s = new Session();
  s.connect();
  const post = (method, params) => {
    let out;
    let error;
    s.post(method, params, (e, r) => { error = e; out = r; }); // same-thread sessions answer synchronously
    if (error) throw error;
    return out;
  };
  post('Profiler.enable');
  post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  const ids = new Map(); // script url -> small number
  const bucket = (n) => (n < 4 ? n : n < 8 ? 4 : n < 16 ? 5 : n < 32 ? 6 : n < 128 ? 7 : 8);
  /** The features hit since the last call (counters reset on each take). */
  return () => {
    const feats = [];
    for (const sc of post('Profiler.takePreciseCoverage').result) {
      if (!sc.url.includes('/packages/') && !sc.url.includes('/node_modules/')) continue;
      if (sc.url.startsWith(HERE)) continue; // the fuzzer and its targets
      let id = ids.get(sc.url);
      if (id === undefined) ids.set(sc.url, (id = ids.size + 1));
      for (const fn of sc.functions) {
        for (const r of fn.ranges) if (r.count > 0) feats.push((id * 4_194_304 + r.startOffset) * 16 + bucket(r.count));
      }
    }
    return feats;
  };
}

function makeMutator(rand, dict) {
  const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x0a, 0x0d, 0x00, 0x22, 0x5c, 0x7b, 0x7d, 0x3a, 0x20, 0x2d, 0x2e];
  const NUMBERS = ['0', '-1', '4294967296', '9007199254740993', '18446744073709551615', '1e400', 'NaN', '99999999999999999999', '2147483648', '0x10'];
  const VARINTS = [0, 1, 127, 128, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 63, 2 ** 64 - 1].map((n) => {
    const out = [];
    let v = BigInt(Math.floor(n));
    do { let b = Number(v & 0x7fn); v >>= 7n; if (v) b |= 0x80; out.push(b); } while (v);
    return Buffer.from(out);
  });
  const int = (n) => Math.floor(rand() * n);
  const pick = (xs) => xs[int(xs.length)];
  const insert = (b, at, piece) => Buffer.concat([b.subarray(0, at), piece, b.subarray(at)]);
  const ops = [
    (b) => { if (!b.length) return b; const c = Buffer.from(b); const i = int(c.length); c[i] ^= 1 << int(8); return c; },
    (b) => { if (!b.length) return b; const c = Buffer.from(b); c[int(c.length)] = rand() < 0.5 ? pick(INTERESTING) : int(256); return c; },
    (b) => { if (b.length < 2) return b; const i = int(b.length); const n = 1 + int(Math.min(32, b.length - i)); return Buffer.concat([b.subarray(0, i), b.subarray(i + n)]); },
    (b) => { if (!b.length) return b; const i = int(b.length); const n = 1 + int(Math.min(64, b.length - i)); return insert(b, int(b.length + 1), b.subarray(i, i + n)); },
    (b) => insert(b, int(b.length + 1), Buffer.from(Array.from({ length: 1 + int(8) }, () => int(256)))),
    (b) => (dict.length ? insert(b, int(b.length + 1), Buffer.from(pick(dict))) : b),
    (b) => insert(b, int(b.length + 1), pick(VARINTS)),
    (b) => { const s = b.toString('latin1'); const m = [...s.matchAll(/\d+/g)]; if (!m.length) return insert(b, int(b.length + 1), Buffer.from(pick(NUMBERS))); const x = pick(m); return Buffer.from(s.slice(0, x.index) + pick(NUMBERS) + s.slice(x.index + x[0].length), 'latin1'); },
    (b) => { const s = b.toString('utf8'); const chars = ['\u2028', '\u202e', '\u200b', '\r', '\t', '\u0000', '\ufffd', '\u{1f600}', '"', '\\']; const i = int(s.length + 1); return Buffer.from(s.slice(0, i) + pick(chars) + s.slice(i)); },
  ];
  return (input, other, maxLen) => {
    let b = input;
    if (other && rand() < 0.15) { // splice
      const i = int(b.length + 1);
      const j = int(other.length + 1);
      b = Buffer.concat([b.subarray(0, i), other.subarray(j)]);
    }
    for (let k = 1 + int(6); k > 0; k--) b = pick(ops)(b);
    return b.length > maxLen ? b.subarray(0, maxLen) : b;
  };
}

async function workerMain() {
  const { targetName, targetsModule, seconds, seed, outDir, shared } = workerData;
  const { TARGETS } = await import(targetsModule);
  const target = TARGETS[targetName];
  const ctl = new Int32Array(shared, 0, 4); // [0] exec count, [1] input length, [2] running
  const bytes = new Uint8Array(shared, 16);
  let s = seed >>> 0;
  const rand = () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  const corpusDir = join(outDir, 'corpus', targetName);
  const crashDir = join(outDir, 'crashes', targetName);
  mkdirSync(corpusDir, { recursive: true });
  mkdirSync(crashDir, { recursive: true });
  const maxLen = Math.min(target.maxLen ?? 4096, MAX_LEN_CAP, bytes.length);
  const take = coverage();
  const seen = new Set();
  const corpus = [];
  const crashes = new Map();
  let execs = 0;
  const run = (input) => {
    bytes.set(input.subarray(0, maxLen));
    Atomics.store(ctl, 1, Math.min(input.length, maxLen));
    Atomics.store(ctl, 2, 1);
    Atomics.add(ctl, 0, 1);
    let error;
    try { target.run(input); } catch (e) { error = e; }
    Atomics.store(ctl, 2, 0);
    execs++;
    let fresh = 0;
    for (const f of take()) if (!seen.has(f)) { seen.add(f); fresh++; }
    if (error !== undefined) {
      const sig = signature(error);
      if (!crashes.has(sig)) {
        const file = join(crashDir, `crash-${sha(input)}`);
        writeFileSync(file, input);
        writeFileSync(file + '.txt', `${sig}\n\n${error?.stack ?? error}\n`);
        crashes.set(sig, file);
      }
      return false;
    }
    return fresh > 0;
  };
  take(); // reset what loading counted
  const dict = target.dict ?? [];
  const starts = [...(target.seeds?.() ?? [])];
  for (const f of readdirSync(corpusDir)) starts.push(readFileSync(join(corpusDir, f)));
  if (!starts.length) starts.push(Buffer.alloc(0));
  for (const input of starts) if (run(input)) corpus.push(input);
  if (!corpus.length) corpus.push(starts[0]);
  const mutate = makeMutator(rand, dict);
  const end = Date.now() + seconds * 1000;
  let lastReport = Date.now();
  while (Date.now() < end) {
    const base = corpus[Math.floor(rand() * corpus.length)];
    const other = corpus[Math.floor(rand() * corpus.length)];
    const input = mutate(base, other, maxLen);
    if (run(input)) {
      corpus.push(input);
      writeFileSync(join(corpusDir, sha(input)), input);
    }
    if (Date.now() - lastReport > 1000) { lastReport = Date.now(); parentPort.postMessage({ progress: { execs, corpus: corpus.length, features: seen.size } }); }
  }
  parentPort.postMessage({ done: { execs, corpus: corpus.length, features: seen.size, crashes: [...crashes].map(([sig, file]) => ({ sig, file })) } });
}

// ---- the main thread: one worker per target, a watchdog for hangs --------------------

/**
 * Fuzzes `target` (a key of targetsModule's TARGETS) for `seconds`. Returns executions,
 * corpus size, features, and the crashes and hangs found (signature and saved file).
 */
export async function fuzz({ target, targetsModule, seconds, seed = 1, outDir, budgetMs = 2000, onProgress = () => {} }) {
  const shared = new SharedArrayBuffer(16 + MAX_LEN_CAP);
  const ctl = new Int32Array(shared, 0, 4);
  const totals = { target, seconds, execs: 0, corpus: 0, features: 0, crashes: [], hangs: [] };
  const end = Date.now() + seconds * 1000;
  for (let round = 0; Date.now() < end - 200; round++) {
    const left = (end - Date.now()) / 1000;
    const result = await new Promise((resolve, reject) => {
      const w = new Worker(new URL(import.meta.url), { workerData: { targetName: target, targetsModule, seconds: left, seed: seed + round, outDir, shared } });
      let lastCount = -1;
      let lastMove = Date.now();
      let progress = { execs: 0, corpus: 0, features: 0 };
      const dog = setInterval(() => {
        const c = Atomics.load(ctl, 0);
        if (c !== lastCount) { lastCount = c; lastMove = Date.now(); return; }
        if (Atomics.load(ctl, 2) === 1 && Date.now() - lastMove > budgetMs) {
          clearInterval(dog);
          const input = Buffer.from(new Uint8Array(shared, 16, Atomics.load(ctl, 1)));
          const dir = join(outDir, 'crashes', target);
          mkdirSync(dir, { recursive: true });
          const file = join(dir, `hang-${sha(input)}`);
          writeFileSync(file, input);
          w.terminate().then(() => resolve({ ...progress, hang: { sig: `hang over ${budgetMs} ms`, file } }));
        }
      }, 50);
      w.on('message', (m) => {
        if (m.progress) { progress = m.progress; onProgress({ ...m.progress, execs: totals.execs + m.progress.execs }); }
        if (m.done) { clearInterval(dog); resolve(m.done); }
      });
      w.on('error', (e) => { clearInterval(dog); reject(e); });
    });
    totals.execs += result.execs;
    totals.corpus = Math.max(totals.corpus, result.corpus);
    totals.features = Math.max(totals.features, result.features);
    for (const c of result.crashes ?? []) if (!totals.crashes.some((x) => x.sig === c.sig)) totals.crashes.push(c);
    if (result.hang) totals.hangs.push(result.hang);
    else break;
  }
  return totals;
}

if (!isMainThread && workerData?.targetName) await workerMain();
