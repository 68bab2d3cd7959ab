/**
 * Attempt counting for local programs (sudo, su, login, PAM under any program but sshd),
 * grouped per host + program + pid (or user name): sudo's PAM copy and its `3 incorrect
 * password attempts` summary count 3 together. Invariant per group: attempts counted =
 * max(tries its attempt lines report, 1 if it left any failure trace). Bounded, like sshd's.
 */
import type { EcsFields } from '../model.js';
import { Generations } from './generations.js';
import type { SshRole } from './ruleset.js';
import { STALE_MS } from './ssh-state.js';

interface Group { reported: number; counted: number; lastMs: number }

export class FailureGroups {
  private readonly groups: Generations<string, Group>;

  constructor(max = 1024) { this.groups = new Generations(max); }

  /** Sets vigil.attempts on a failure line of `role` reporting `tries` tries. */
  apply(key: string, ev: EcsFields, role: SshRole, tries: number, tsMs: number): void {
    let g = this.groups.get(key);
    if (g !== undefined && Number.isFinite(tsMs) && Math.abs(tsMs - g.lastMs) > STALE_MS) g = undefined;
    if (g === undefined) {
      g = { reported: 0, counted: 0, lastMs: tsMs };
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
  }
}
