/**
 * One HTTP(S) health check: GET the URL with a timeout and report success (2xx/3xx),
 * status code and latency (to the response headers) in ms. Connection, DNS, TLS and
 * timeout errors are failures whose reason is the error. The body is drained, not kept.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ProbeResult } from '@vigil/proto';

export interface ProbeTarget { name: string; url: string; timeout: number }

export function checkOnce(target: ProbeTarget, signal?: AbortSignal): Promise<ProbeResult> {
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
  const base = { name: target.name, url: target.url };
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: ProbeResult) => { if (!done) { done = true; clearTimeout(timer); resolve(r); } };
    const url = new URL(target.url);
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: 'GET', agent: false, headers: { 'user-agent': 'vigil-agent-probe', connection: 'close' },
    }, (res) => {
      const status = res.statusCode ?? 0;
      const latencyMs = elapsed();
      res.resume();
      res.on('error', () => { /* already reported from the headers */ });
      finish({ ...base, success: status >= 200 && status < 400, statusCode: status, latencyMs,
        error: status >= 400 ? `HTTP ${status}` : '' });
      req.destroy();
    });
    const timer = setTimeout(() => {
      finish({ ...base, success: false, statusCode: 0, latencyMs: elapsed(), error: `timeout after ${target.timeout} ms` });
      req.destroy();
    }, target.timeout);
    req.on('error', (err: NodeJS.ErrnoException) => {
      finish({ ...base, success: false, statusCode: 0, latencyMs: elapsed(),
        error: err.code ? `${err.code}: ${err.message}` : err.message });
    });
    const onAbort = () => {
      finish({ ...base, success: false, statusCode: 0, latencyMs: elapsed(), error: 'aborted: agent stopping' });
      req.destroy();
    };
    if (signal?.aborted) onAbort(); else signal?.addEventListener('abort', onAbort, { once: true });
    req.on('close', () => signal?.removeEventListener('abort', onAbort));
    req.end();
  });
}
