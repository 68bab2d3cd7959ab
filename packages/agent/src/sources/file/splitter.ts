/**
 * Splits a file's bytes into lines with exact byte offsets. Owns the read buffer: the
 * caller reads into target(), then consume() reports complete lines. A partial last line
 * is kept (its offset is not passed); a line over the cap is cut on a UTF-8 boundary,
 * flagged, and the rest of it is skipped up to its newline without being buffered.
 */

export type LineSink = (text: string, offset: number, next: number, truncated: boolean, length: number) => void;

/** Cut position <= cap that does not split a UTF-8 sequence (start is the line start). */
function utf8Cut(buf: Buffer, start: number, cap: number): number {
  let p = cap;
  let back = 0;
  while (p > 0 && back < 3 && (buf[start + p] & 0xc0) === 0x80) { p--; back++; }
  return (buf[start + p] & 0xc0) === 0x80 ? cap : p;
}

export class LineSplitter {
  private readonly buf: Buffer;
  /** File offset of the first byte not yet part of an emitted line. */
  private lineStart: number;
  /** Bytes of a pending partial line kept at buf[0..carry). */
  private carry = 0;
  /** While skipping an over-long line: its first cap+1 bytes, bytes seen, last byte was \r. */
  private longHead: Buffer | null = null;
  private longLen = 0;
  private longCR = false;

  constructor(private readonly cap: number, private readonly chunk: number, offset: number) {
    this.buf = Buffer.allocUnsafe(chunk + cap + 1);
    this.lineStart = offset;
  }

  /** Offset of the first line not yet emitted (the checkpoint). */
  get offset(): number { return this.lineStart; }

  /** Offset of the next byte to read from the file. */
  get readPos(): number { return this.lineStart + (this.longHead ? this.longLen : this.carry); }

  /** True when bytes of an incomplete line are pending. */
  get pending(): boolean { return this.readPos > this.lineStart; }

  reset(offset: number): void {
    this.lineStart = offset;
    this.carry = 0;
    this.longHead = null;
    this.longLen = 0;
  }

  /** Where the next read goes: buffer, position and length. */
  target(): { buf: Buffer; pos: number; len: number } {
    return { buf: this.buf, pos: this.longHead ? 0 : this.carry, len: this.chunk };
  }

  /** Processes `n` bytes just read into target(). */
  consume(n: number, sink: LineSink): void {
    const start = this.longHead ? 0 : this.carry;
    const end = start + n;
    const view = this.buf.subarray(0, end);
    let pos = 0;
    if (this.longHead) {
      const nl = view.indexOf(10, 0);
      if (nl === -1) {
        this.longLen += n;
        this.longCR = view[end - 1] === 13;
        return;
      }
      const cr = nl > 0 ? view[nl - 1] === 13 : this.longCR;
      const total = this.longLen + nl;
      const head = this.longHead;
      sink(head.toString('utf8', 0, utf8Cut(head, 0, this.cap)), this.lineStart, this.lineStart + total + 1, true, cr ? total - 1 : total);
      this.lineStart += total + 1;
      this.longHead = null;
      this.longLen = 0;
      pos = nl + 1;
    }
    const base = this.lineStart - pos; // file offset of buf[0]
    const cap = this.cap;
    for (;;) {
      const nl = view.indexOf(10, pos);
      if (nl === -1) break;
      const e = nl > pos && view[nl - 1] === 13 ? nl - 1 : nl;
      const len = e - pos;
      if (len > cap) sink(view.toString('utf8', pos, pos + utf8Cut(view, pos, cap)), base + pos, base + nl + 1, true, len);
      else sink(view.toString('utf8', pos, e), base + pos, base + nl + 1, false, len);
      pos = nl + 1;
    }
    this.lineStart = base + pos;
    const rest = end - pos;
    if (rest > cap) {
      this.longHead = Buffer.from(view.subarray(pos, pos + cap + 1));
      this.longLen = rest;
      this.longCR = view[end - 1] === 13;
      this.carry = 0;
    } else {
      if (pos > 0 && rest > 0) this.buf.copy(this.buf, 0, pos, end);
      this.carry = rest;
    }
  }

  /** Emits a pending partial line as a line (used when its file ends for good). */
  flush(sink: LineSink): void {
    const next = this.readPos;
    if (this.longHead) {
      const len = this.longCR ? this.longLen - 1 : this.longLen;
      sink(this.longHead.toString('utf8', 0, utf8Cut(this.longHead, 0, this.cap)), this.lineStart, next, true, len);
    } else if (this.carry > 0) {
      const e = this.buf[this.carry - 1] === 13 ? this.carry - 1 : this.carry;
      if (e > this.cap) sink(this.buf.toString('utf8', 0, utf8Cut(this.buf, 0, this.cap)), this.lineStart, next, true, e);
      else sink(this.buf.toString('utf8', 0, e), this.lineStart, next, false, e);
    }
    this.reset(next);
  }
}
