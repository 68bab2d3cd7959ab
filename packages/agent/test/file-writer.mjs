// Test helper run as a child process: appends auth-like lines at thousands per second and
// performs one rotation of the given kind meanwhile. Each line ends with "#g<gen>-s<seq>":
// gen 0 lines go to the original file, gen 1 lines to the file that replaces it.
import { closeSync, copyFileSync, ftruncateSync, openSync, renameSync, writeSync } from 'node:fs';

const a = JSON.parse(process.argv[2]);
const { path, count, kind = 'none', rotateAt = Infinity, tail = 200, batch = 20 } = a;
let seq = 0;
let oldFd = openSync(path, 'a');
let newFd = -1;
let phase = 'before'; // before -> during -> after
let tailLeft = tail;

const text = (s, g) => `Nov 27 17:51:00 web1 sshd[${1000 + (s % 500)}]: Failed password for invalid user u${s} from 203.0.113.${s % 250} port ${1024 + s} ssh2 #g${g}-s${s}\n`;
const put = (fd, g) => { writeSync(fd, text(seq, g)); seq++; };

function rotate() {
  if (kind === 'rename') { renameSync(path, path + '.1'); phase = 'during'; }
  else if (kind === 'create-before-rename') { newFd = openSync(path + '.new', 'a'); phase = 'during'; }
  else if (kind === 'copytruncate') { copyFileSync(path, path + '.1'); ftruncateSync(oldFd, 0); newFd = oldFd; oldFd = -1; phase = 'after'; }
  else if (kind === 'truncate') { phase = 'paused'; process.stdout.write('paused\n'); process.stdin.once('data', () => { ftruncateSync(oldFd, 0); newFd = oldFd; oldFd = -1; phase = 'after'; tick(); }); }
}

function one() {
  if (phase === 'before') { put(oldFd, 0); if (seq >= rotateAt) rotate(); return; }
  if (phase === 'after') { put(newFd, 1); return; }
  // during: the old file still gets lines after its rotation (a writer that reopens late)
  if (kind === 'rename') {
    put(oldFd, 0);
    if (--tailLeft <= 0) { closeSync(oldFd); oldFd = -1; newFd = openSync(path, 'a'); phase = 'after'; }
  } else {
    if (seq % 2 === 0) put(oldFd, 0); else put(newFd, 1);
    if (--tailLeft === Math.floor(tail / 2)) { renameSync(path, path + '.1'); renameSync(path + '.new', path); }
    if (tailLeft <= 0) { closeSync(oldFd); oldFd = -1; phase = 'after'; }
  }
}

function tick() {
  for (let i = 0; i < batch && seq < count; i++) {
    one();
    if (phase === 'paused') return;
  }
  if (seq < count) setTimeout(tick, 1);
  else process.exit(0);
}
tick();
