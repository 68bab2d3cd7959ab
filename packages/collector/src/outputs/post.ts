/**
 * One webhook POST with a timeout, classified for the retry loop: delivered, retry later
 * (network error, timeout, 5xx, 429 with its Retry-After) or give up (other 4xx).
 */
export type PostResult =
  | { outcome: 'delivered'; status: number }
  | { outcome: 'retry'; reason: string; afterMs?: number }
  | { outcome: 'failed'; reason: string };

export async function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number, signal?: AbortSignal): Promise<PostResult> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'vigil-collector', ...headers },
      body,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      redirect: 'error',
    });
    await res.arrayBuffer().catch(() => undefined); // drain so the connection is reused
    if (res.ok) return { outcome: 'delivered', status: res.status };
    if (res.status === 429 || res.status >= 500) {
      const ra = Number(res.headers.get('retry-after'));
      return { outcome: 'retry', reason: `HTTP ${res.status}`, afterMs: Number.isFinite(ra) && ra > 0 ? ra * 1000 : undefined };
    }
    return { outcome: 'failed', reason: `HTTP ${res.status}` };
  } catch (err) {
    if (signal?.aborted) return { outcome: 'failed', reason: 'stopped' };
    return { outcome: 'retry', reason: timeout.aborted ? `timeout after ${timeoutMs} ms` : String((err as Error).cause ?? (err as Error).message) };
  }
}
