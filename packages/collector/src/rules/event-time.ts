/**
 * Event time of '@timestamp' in ms, fast: decoders write RFC 3339 UTC ('...T10:00:05.123Z'),
 * and consecutive events mostly share their minute, so the minute is parsed once and the
 * seconds and milliseconds are read digit by digit; anything else goes to Date.parse. The
 * last string's answer is kept (consecutive events often share their stamp).
 */
export class EventClock {
  private minute = '';
  private minuteMs = NaN;

  private last = '';
  private lastMs = NaN;

  parse(v: unknown): number {
    if (v === this.last) return this.lastMs; // decoders hand out one instance per millisecond
    if (typeof v !== 'string') return NaN;
    const ms = this.parseText(v);
    this.last = v;
    this.lastMs = ms;
    return ms;
  }

  private parseText(v: string): number {
    const n = v.length;
    if ((n === 24 || n === 20) && v.charCodeAt(n - 1) === 90 /* Z */ && v.charCodeAt(16) === 58 /* : */) {
      if (!v.startsWith(this.minute) || this.minute === '') {
        const minute = v.slice(0, 16);
        const ms = Date.parse(minute + ':00Z');
        if (Number.isNaN(ms)) return Date.parse(v);
        this.minute = minute; this.minuteMs = ms;
      }
      const s1 = v.charCodeAt(17) - 48, s2 = v.charCodeAt(18) - 48;
      if (s1 < 0 || s1 > 5 || s2 < 0 || s2 > 9) return Date.parse(v);
      let ms = this.minuteMs + (s1 * 10 + s2) * 1000;
      if (n === 24) {
        if (v.charCodeAt(19) !== 46 /* . */) return Date.parse(v);
        const a = v.charCodeAt(20) - 48, b = v.charCodeAt(21) - 48, c = v.charCodeAt(22) - 48;
        if (a < 0 || a > 9 || b < 0 || b > 9 || c < 0 || c > 9) return Date.parse(v);
        ms += a * 100 + b * 10 + c;
      } else if (v.charCodeAt(19) !== 90) return Date.parse(v);
      return ms;
    }
    return Date.parse(v);
  }
}
