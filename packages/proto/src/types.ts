/**
 * TypeScript shapes of the wire messages in vigil.proto (proto3 field names in
 * lowerCamelCase, as protobufjs exposes them). int64 fields are plain numbers: the
 * codec switches protobufjs's Long support off, and every value fits in 2^53.
 */
export type LogType = 'auth' | 'syslog' | 'backup' | 'deployment' | 'docker-events' | 'json';

export interface HostFacts {
  hostname?: string; os?: string; kernel?: string; arch?: string; cpus?: number;
  memoryBytes?: number; bootTimeMs?: number; ips?: string[];
}
export interface Hello {
  agentName: string; version?: string; bootId?: string; clockMs?: number;
  host?: HostFacts; instanceId: string;
}
export interface Welcome { lastSeq: number; clockMs?: number; maxFrameBytes?: number; acceptsDeflated?: boolean; acceptsBrotli?: boolean }
export interface Ack { seq: number }
export interface Refusal { reason: string }
export interface AgentStats {
  linesRead?: number; bytesRead?: number; eventsDropped?: number; outboxBytes?: number;
  outboxEvents?: number; ackedSeq?: number; cpuPct?: number; rssBytes?: number; linesTruncated?: number;
  diskFullSinceMs?: number; writesRefused?: number;
}
export interface Heartbeat { clockMs: number; stats?: AgentStats }

export interface LogLine {
  type: string; path?: string; offset?: number; text: string; truncated?: boolean;
  originalLength?: number; fields?: Record<string, string>;
}
export interface Sample { name: string; value: number; labels?: Record<string, string> }
export interface Metrics { samples: Sample[]; hostName?: string }
export interface ContainerEvent {
  id: string; name?: string; image?: string; action: string; exitCode?: number;
  attributes?: Record<string, string>; timeNano?: number; health?: string;
}
export interface ContainerState {
  id: string; name?: string; image?: string; state?: string; health?: string;
  restartCount?: number; exitCode?: number; oomKilled?: boolean; cpuPct?: number;
  memoryUsage?: number; memoryLimit?: number; labels?: Record<string, string>;
  startedAtMs?: number; finishedAtMs?: number; netRxBytes?: number; netTxBytes?: number;
  blkReadBytes?: number; blkWriteBytes?: number; removed?: boolean;
}
export interface ProbeResult {
  name: string; url?: string; success: boolean; statusCode?: number; latencyMs?: number; error?: string;
}
export interface DataLoss {
  droppedEvents: number; droppedBytes?: number; firstSeq?: number; lastSeq?: number; reason?: string;
}

/** One event; exactly one body field is set. */
export interface Event {
  timeMs: number;
  line?: LogLine; metrics?: Metrics; containerEvent?: ContainerEvent;
  containerState?: ContainerState; probe?: ProbeResult; loss?: DataLoss;
}
export type EventBody = 'line' | 'metrics' | 'containerEvent' | 'containerState' | 'probe' | 'loss';

export interface Batch { firstSeq: number; sentMs?: number; events: Event[] }

/**
 * `deflated`: raw DEFLATE of an encoded AgentFrame carrying a batch; `brotli`: the same
 * compressed with Brotli (see compressFrame and expandFrame).
 */
export interface AgentFrame { hello?: Hello; batch?: Batch; heartbeat?: Heartbeat; deflated?: Uint8Array; brotli?: Uint8Array }
export interface CollectorFrame { welcome?: Welcome; ack?: Ack; refusal?: Refusal }
