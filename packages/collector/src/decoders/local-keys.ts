/**
 * Which local authentication (sudo, su, login, local PAM) a failure line belongs to. The
 * PAM copy and the program's own line may differ in carrying a pid (Debian 12 writes
 * `su: pam_unix(su:auth): ...` then `su[2003]: FAILED SU ...`) or a user name (`su[2005]:
 * pam_authenticate: ...`), so a line is filed under its pid and its user, and a line with
 * both joins whichever was seen first. Bounded: 4,096 recent aliases, keys of at most
 * 2 x 256 chars of host and user (longer, attacker-chosen names group by their first 256).
 */
import { Generations } from './generations.js';

const MAX_ALIASES = 4096;
/** Host and user names are cut to this many chars in a key (memory per key stays small). */
export const MAX_KEY_PART = 256;

export class LocalKeys {
  private readonly alias = new Generations<string, string>(MAX_ALIASES);

  /** The accounting key for host + program + pid (NaN: none) + user (undefined: none). */
  key(host: string, program: string, pid: number, user: unknown): string {
    const base = `${host.slice(0, MAX_KEY_PART)}\0${program.slice(0, MAX_KEY_PART)}\0`;
    const pk = pid === pid ? `${base}#${pid}` : undefined;
    const uk = user !== undefined ? `${base}${String(user).slice(0, MAX_KEY_PART)}` : undefined;
    if (pk === undefined && uk === undefined) return base;
    const found = (pk !== undefined ? this.alias.get(pk) : undefined) ?? (uk !== undefined ? this.alias.get(uk) : undefined);
    const canon = found ?? (pk ?? uk)!;
    if (pk !== undefined) this.alias.set(pk, canon);
    if (uk !== undefined) this.alias.set(uk, canon);
    return canon;
  }
}
