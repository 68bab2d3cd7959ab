/**
 * A minimal Server-Sent Events reader over node:http for end-to-end tests: collects parsed
 * events (id, event, data as JSON) from a live stream until closed.
 */
import { request } from 'node:http';

export interface SseEvent { id?: string; event?: string; data: any; at: number }

export function openSse(url: string, token: string, lastEventId?: string) {
  const events: SseEvent[] = [];
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'text/event-stream' };
  if (lastEventId) headers['last-event-id'] = lastEventId;
  let buf = '';
  const req = request(url, { headers }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n\n')) !== -1) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const ev: Partial<SseEvent> = {};
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const c = line.indexOf(':');
          const k = c === -1 ? line : line.slice(0, c);
          const v = c === -1 ? '' : line.slice(c + 1).replace(/^ /, '');
          if (k === 'id') ev.id = v;
          else if (k === 'event') ev.event = v;
          else if (k === 'data') data.push(v);
        }
        if (data.length) events.push({ ...ev, data: JSON.parse(data.join('\n')), at: Date.now() } as SseEvent);
      }
    });
  });
  req.on('error', () => {});
  req.end();
  return { events, close: () => req.destroy() };
}
