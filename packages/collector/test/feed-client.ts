/**
 * A minimal Server-Sent Events reader for the feed tests, on node's http client: parses
 * `id:`/`event:`/`data:` blocks into events and lets a test wait for a number of them.
 */
import http from 'node:http';

export interface SseEvent { id?: string; event: string; data: string }

export function openSse(base: string, path: string, headers: Record<string, string>) {
  const events: SseEvent[] = [];
  let waiters: Array<() => void> = [];
  let buf = '';
  let raw = '';
  let req!: http.ClientRequest;
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    req = http.get(`http://${base}${path}`, { headers }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (res.statusCode !== 200) { raw += chunk; return; }
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev: SseEvent = { event: 'message', data: '' };
          let fields = 0;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const [k, ...rest] = line.split(':');
            const v = rest.join(':').replace(/^ /, '');
            if (k === 'id') ev.id = v; else if (k === 'event') ev.event = v; else if (k === 'data') ev.data += v; else continue;
            fields++;
          }
          if (fields && ev.event !== 'message') events.push(ev);
        }
        for (const w of waiters) w();
      });
      res.on('error', () => undefined);
      resolve(res);
    });
    req.on('error', reject);
  });
  return {
    events,
    response,
    async waitFor(n: number, ms = 5000): Promise<SseEvent[]> {
      const end = Date.now() + ms;
      while (events.length < n) {
        if (Date.now() > end) throw new Error(`timed out with ${events.length}/${n} events`);
        await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 50); });
        waiters = [];
      }
      return events;
    },
    /** The body of a non-200 answer, once it has ended. */
    async body(): Promise<string> {
      const res = await response;
      if (!res.readableEnded) await new Promise((r) => res.once('end', r));
      return raw;
    },
    close() { req.destroy(); },
  };
}
