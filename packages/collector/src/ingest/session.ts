/**
 * One agent's WebSocket session: the protocol state machine of vigil.proto. Hello →
 * Welcome{lastSeq}; Batch (or a compressed one) → the commit pipeline → once committed, bus
 * 'committed' → Ack (in batch order); Heartbeat → registry. Frames are decoded defensively:
 * anything malformed or out of order closes this session with a Refusal (1008), counted
 * and logged at a limited rate.
 */
import type WebSocket from 'ws';
import { decodeAgentFrame, encodeCollectorFrame, expandFrame, FrameError, frameBody, type Batch, type Hello, type LogLimiter } from '@vigil/proto';
import type { CollectorContext } from '../context.js';
import type { AgentRegistry, HelloResult } from '../store/agents.js';
import type { CommittedEvent } from '../model.js';
import type { CommitPipeline } from './pipeline.js';
import type { IngestCounters } from './counters.js';
import type { FieldCaps } from './field-caps.js';
import { auditFields } from './to-event.js';

export interface SessionDeps {
  ctx: CollectorContext;
  agents: AgentRegistry;
  pipeline: CommitPipeline;
  counters: IngestCounters;
  /** Refusals are logged through it: one line per reason per interval. */
  logs: LogLimiter;
  /** Cuts every agent string to its cap before it is used (field-caps.ts). */
  caps: FieldCaps;
  maxFrameBytes: number;
}

/** One counter increment per kind present in the batch, not one per event. */
function countByKind(counters: IngestCounters, stored: CommittedEvent[]): void {
  let kind: string | undefined;
  let n = 0;
  for (let i = 0; i < stored.length; i++) {
    if (stored[i].kind === kind) { n++; continue; }
    if (kind) counters.events.inc({ kind }, n);
    kind = stored[i].kind;
    n = 1;
  }
  if (kind) counters.events.inc({ kind }, n);
}

export class AgentSession {
  private instanceId: string | undefined;
  private skewMs = 0;
  closed = false;

  constructor(readonly ws: WebSocket, readonly agent: string, readonly tokenId: string, private readonly deps: SessionDeps) {}

  /** Closes with a Refusal frame and a policy code; counted under `reason`. */
  refuse(reason: string, detail: string, code = 1008): void {
    if (this.closed) return;
    this.closed = true;
    this.deps.counters.rejects.inc({ reason });
    this.deps.logs.warn(reason, 'agent session refused', { agent: this.agent, reason, detail });
    try { this.ws.send(encodeCollectorFrame({ refusal: { reason: `${reason}: ${detail}` } })); } catch { /* closing anyway */ }
    this.ws.close(code, `${reason}: ${detail}`.slice(0, 120));
  }

  handle(data: Buffer, isBinary: boolean): void {
    if (this.closed) return;
    let frame;
    let bytes = data.length; // counted as decoded: a compressed batch by its expanded size
    try {
      if (!isBinary) return this.refuse('text_frame', 'frames must be binary protobuf');
      frame = decodeAgentFrame(data);
      const body = frameBody(frame);
      if ((body === 'brotli' || body === 'deflated') && this.instanceId) {
        // A compressed batch: one synchronous decompression, bounded like any frame.
        const inner = expandFrame(body === 'brotli' ? frame.brotli! : frame.deflated!, body, this.deps.maxFrameBytes);
        bytes = inner.bytes;
        frame = inner.frame;
      }
    } catch (err) {
      if (err instanceof FrameError) return this.refuse('malformed_frame', err.message);
      throw err;
    } finally {
      this.deps.counters.bytes.inc(undefined, bytes);
    }
    if (frame.hello) return this.onHello(frame.hello);
    if (!this.instanceId) return this.refuse('before_hello', 'the first frame must be a Hello');
    if (frame.batch) return this.onBatch(frame.batch);
    if (frame.heartbeat) {
      const now = this.deps.ctx.now();
      this.deps.agents.heartbeat(this.agent, frame.heartbeat.clockMs || undefined, frame.heartbeat.stats ?? undefined, now)
        .catch((err: Error) => this.deps.logs.warn('heartbeat', 'agent heartbeat not recorded', { agent: this.agent, error: err.message }));
      if (frame.heartbeat.clockMs) this.skewMs = now - frame.heartbeat.clockMs;
      this.deps.ctx.bus.emit('heartbeat', this.agent, now);
      return;
    }
    this.refuse('empty_frame', 'frame carries no hello, batch or heartbeat');
  }

  private onHello(h: Hello): void {
    if (this.instanceId) return this.refuse('duplicate_hello', 'Hello was already received');
    if (h.agentName !== this.agent) return this.refuse('name_mismatch', 'Hello agent_name differs from X-Vigil-Agent');
    if (!h.instanceId) return this.refuse('missing_field', 'Hello without instance_id');
    const { ctx, agents } = this.deps;
    this.deps.caps.hello(h);
    const now = ctx.now();
    // Batches that follow are queued behind the hello's command (the agent waits for the Welcome anyway).
    this.instanceId = h.instanceId;
    if (h.clockMs) this.skewMs = now - h.clockMs;
    agents.hello(h, now).then((r) => this.welcome(h, r, now), (err: Error) => {
      ctx.log.error('agent hello not recorded', { agent: this.agent, error: err.message });
      this.refuse('store_error', 'the hello could not be stored', 1011);
    });
  }

  private welcome(h: Hello, r: HelloResult, now: number): void {
    const { ctx } = this.deps;
    if (r.newInstance && r.previousInstance && r.previousInstance !== h.instanceId) {
      const fields = auditFields(this.agent, now, now, 'agent-instance-changed',
        `agent ${this.agent} started a new instance; its sequence numbers restart`);
      fields['vigil.instance.id'] = h.instanceId;
      fields['vigil.instance.previous'] = r.previousInstance;
      this.deps.pipeline.insert([{ agent: this.agent, seq: 0, kind: 'audit', ingested: now, timeMs: now, fields }], now, (err, stored) => {
        if (err) ctx.log.error('instance change not recorded', { agent: this.agent, error: err.message });
        else ctx.bus.emit('committed', stored!);
      });
    }
    if (this.closed) return;
    this.ws.send(encodeCollectorFrame({ welcome: { lastSeq: r.lastSeq, clockMs: now, maxFrameBytes: this.deps.maxFrameBytes, acceptsDeflated: true, acceptsBrotli: true } }));
  }

  private onBatch(b: Batch): void {
    if (!(b.firstSeq >= 1)) return this.refuse('missing_field', 'Batch without a valid first_seq');
    // Sequences are exact JavaScript numbers up to 2^53-1 only: past it an ack (and the mark)
    // could not name the last event. Refused before anything is stored or acked; the mark
    // stays where it was, so the instance may go on below it, or a new instance (new state
    // dir, sequences from 1) takes over.
    const count = b.events?.length ?? 0;
    if (!Number.isSafeInteger(b.firstSeq) || b.firstSeq > Number.MAX_SAFE_INTEGER - Math.max(0, count - 1)) { // no sum: it would round
      return this.refuse('sequence_overflow', `sequence numbers must stay at or below ${Number.MAX_SAFE_INTEGER}; start a new agent instance (new state dir)`);
    }
    const { ctx, counters } = this.deps;
    this.deps.caps.batch(b);
    this.deps.pipeline.submit(this.agent, this.instanceId!, b, ctx.now(), this.skewMs, (err, result) => {
      if (err) {
        // Nothing of it was committed, so nothing is acked: the agent resends after reconnecting.
        ctx.log.error('batch commit failed', { agent: this.agent, error: err.message });
        return this.refuse('store_error', 'the batch could not be stored', 1011);
      }
      const r = result!;
      counters.batches.inc();
      counters.duplicates.inc(undefined, r.duplicates);
      countByKind(counters, r.stored);
      if (r.stored.length > 0) {
        try { ctx.bus.emit('committed', r.stored); } catch (e) {
          ctx.log.error('committed listener failed', { error: (e as Error).message });
        }
      }
      if (!this.closed) this.ws.send(encodeCollectorFrame({ ack: { seq: r.ack } }));
    });
  }
}
