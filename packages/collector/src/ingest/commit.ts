/**
 * Agent batches through a commit pipeline of their own, one promise each, answered with the
 * stored events' fields too (kept from 'accepted' until the commit): for tools, benches and
 * tests that commit a batch at a time. The collector's sessions use the pipeline's callback
 * form directly (no promise, no fields kept per batch).
 */
import type { Batch } from '@vigil/proto';
import type { StoredEvent } from '../model.js';
import { createCommitPipeline, type CommitResult, type PipelineDeps } from './pipeline.js';

export type { CommitResult } from './pipeline.js';
export interface StoredResult extends CommitResult { stored: StoredEvent[] }

export interface BatchCommitter {
  commit(agent: string, instance: string, batch: Batch, now: number, skewMs?: number): Promise<StoredResult>;
  close(): Promise<void>;
}

export function createBatchCommitter(deps: Omit<PipelineDeps, 'onAccepted'>): BatchCommitter {
  const fields = new Map<number, StoredEvent>();
  const pipeline = createCommitPipeline({ ...deps, onAccepted: (evs) => { for (const e of evs) fields.set(e.id, e); } });
  return {
    commit(agent, instance, batch, now, skewMs = 0) {
      return new Promise((resolve, reject) => pipeline.submit(agent, instance, batch, now, skewMs, (err, r) => {
        const stored = (r?.stored ?? []).map((e) => fields.get(e.id)!);
        for (const e of r?.stored ?? []) fields.delete(e.id);
        if (err) reject(err); else resolve({ ...r!, stored });
      }));
    },
    close: () => pipeline.close(),
  };
}
