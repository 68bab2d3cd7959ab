/**
 * One program's ordered pattern list, split by the first character of the message: each
 * ASCII first char gets the sub-list (same order) of the patterns whose regex can start
 * with it (first-chars.ts), built on first use. A line meets only those patterns, each
 * behind its literal `starts`/`contains` checks; no allocation per line.
 */
import type { CompiledPattern } from './types.js';
import { literalsMatch } from './ruleset.js';

export class PatternTable {
  private readonly byChar: Array<CompiledPattern[] | undefined> = new Array(128).fill(undefined);
  /** The match of the last successful match() (read it before the next call). */
  lastMatch: RegExpExecArray | null = null;

  constructor(readonly all: CompiledPattern[]) {}

  /** The patterns that may match a text starting with char code `c` (NaN for ''). */
  candidates(c: number): CompiledPattern[] {
    if (!(c < 128)) return this.all;
    let list = this.byChar[c];
    if (list === undefined) {
      list = this.all.filter((p) => p.first === null || p.first.has(c));
      this.byChar[c] = list;
    }
    return list;
  }

  /** The first pattern that matches `msg` (its match in lastMatch), or null. */
  match(msg: string): CompiledPattern | null {
    const list = this.candidates(msg.charCodeAt(0));
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      if (!literalsMatch(p, msg)) continue;
      const m = p.regex.exec(msg);
      if (m !== null) { this.lastMatch = m; return p; }
    }
    this.lastMatch = null;
    return null;
  }
}

