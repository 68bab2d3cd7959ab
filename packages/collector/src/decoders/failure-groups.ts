/**
 * Attempt counting for local programs (sudo, su, login, PAM under any program but sshd),
 * grouped per host + program + pid (or user name): sudo's PAM copy and its `3 incorrect
 * password attempts` summary count 3 together. Invariant per group: attempts counted =
 * max(tries its attempt lines report, 1 if it left any failure trace). A terminal line (the
 * program's own report or success) closes the group. Bounded, like sshd's.
 */
import type { EcsFields } from '../model.js';
import { Generations } from './generations.js';
import type { SshRole } from './types.js';
import { STALE_MS } from './ssh-state.js';

interface Group { reported: number; counted: number; lastMs: number; closed: boolean }

/** How soon after a closing report the same pid's restating line is its trailer (shadow su's `- tty`). */
const TRAILER_MS = 1000;

/** A restating line of the closed group's own pid right after its report belongs to it. */
function trailer(g: Group, role: SshRole, hasPid: boolean, tsMs: number): boolean {
  return role !== 'attempt' && hasPid && Number.isFinite(tsMs) && Math.abs(tsMs - g.lastMs) <= TRAILER_MS;
}

export class FailureGroups {
  private readonly groups: Generations<string, Group>;

  constructor(max = 1024) { this.groups = new Generations(max); }

  /** Sets vigil.attempts on a failure line of `role` reporting `tries` tries. */
  apply(key: string, ev: EcsFields, role: SshRole, tries: number, tsMs: number, hasPid: boolean): void {
    let g = this.groups.get(key);
    if (g !== undefined && ((g.closed && !trailer(g, role, hasPid, tsMs)) || (Number.isFinite(tsMs) && Math.abs(tsMs - g.lastMs) > STALE_MS))) g = undefined;
    if (g === undefined) {
      g = { reported: 0, counted: 0, lastMs: tsMs, closed: false };
      this.groups.set(key, g);
    }
    if (Number.isFinite(tsMs)) g.lastMs = tsMs;
    let n: number;
    if (role === 'attempt') {
      g.reported += tries;
      n = g.reported > g.counted ? g.reported - g.counted : 0;
    } else {
      n = g.counted === 0 ? 1 : 0;
    }
    g.counted += n;
    ev['vigil.attempts'] = n;
    if (role === 'attempt') g.closed = true; // the program's own report ends the try
  }

  /**
   * Ends the group under `key` (a terminal line: sudo's command line, su's success, login's
   * result): the next failure of that pid / user is a new try, not an echo of this one.
   */
  close(key: string): void {
    const g = this.groups.get(key);
    if (g !== undefined) g.closed = true;
  }
}
