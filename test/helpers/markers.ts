/**
 * Unique-marker accounting for end-to-end tests: lines carry `PREFIX-N payload`, so counting
 * each N among the stored events shows both loss and duplication.
 */
import { appendFileSync } from 'node:fs';
import { expect } from 'vitest';

export function markers(events: any[], prefix = 'm'): Map<number, number> {
  const seen = new Map<number, number>();
  const re = new RegExp(`${prefix}-(\\d+) payload`);
  for (const e of events) {
    const m = re.exec(e.message ?? '');
    if (m) seen.set(Number(m[1]), (seen.get(Number(m[1])) ?? 0) + 1);
  }
  return seen;
}

export function expectExactlyOnce(seen: Map<number, number>, n: number) {
  const missing: number[] = [];
  const dup: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = seen.get(i) ?? 0;
    if (c === 0) missing.push(i);
    if (c > 1) dup.push(i);
  }
  expect({ missing: missing.slice(0, 20), missingCount: missing.length, dup: dup.slice(0, 20), dupCount: dup.length })
    .toEqual({ missing: [], missingCount: 0, dup: [], dupCount: 0 });
}

/** Appends lines `PREFIX-from` .. `PREFIX-(from+n-1)` (syslog form, one write). */
export function writeMarked(file: string, prefix: string, from: number, n: number): void {
  let chunk = '';
  for (let i = from; i < from + n; i++) chunk += `Nov 27 10:00:00 web-1 app[1]: ${prefix}-${i} payload\n`;
  appendFileSync(file, chunk);
}
