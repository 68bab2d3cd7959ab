/**
 * One agent batch through the commit pipeline, as a promise: the pipeline's callback form
 * (session.ts) answers in order without a promise per batch; tools and tests that commit
 * one batch at a time await this instead.
 */
import type { Batch } from '@vigil/proto';
import type { CommitPipeline, CommitResult } from './pipeline.js';

export type { CommitResult } from './pipeline.js';

export function commitBatch(pipeline: CommitPipeline, agent: string, instance: string, batch: Batch, now: number, skewMs = 0): Promise<CommitResult> {
  return new Promise((resolve, reject) => pipeline.submit(agent, instance, batch, now, skewMs, (err, r) => (err ? reject(err) : resolve(r!))));
}
