/**
 * The one role model of API tokens: `viewer` reads, `admin` reads and acts (writes,
 * acknowledges, silences, runs checks). Stored with each api token (store/tokens.ts),
 * checked by the authenticator (api/auth.ts) and required per route (api/require-role.ts).
 */
export type Role = 'viewer' | 'admin';

export const ROLES: readonly Role[] = ['viewer', 'admin'];

export const isRole = (v: unknown): v is Role => ROLES.includes(v as Role);

/** Whether a token of role `has` (null: no role recorded, read as viewer) may do what needs `needs`. */
export function allows(has: Role | null, needs: Role): boolean {
  return needs === 'viewer' || has === 'admin';
}

/** Who acted: the api token's name and id, and its role. */
export interface Principal { name: string; role: Role; tokenId: string }
