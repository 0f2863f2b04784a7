// What every model attempt leaves behind: the record the cost table sums, and the recorders.
import type { Usage } from '../providers/types.js';

export interface CallRecord {
  tier: string;
  provider: string;
  model: string;
  usage: Usage;
  usd: number;
  /** ok: a usable answer; failed: billed or possibly billed, but not usable. */
  outcome: 'ok' | 'failed';
  reason?: string;
  /** What the provider said or did (error text, bad body excerpt, usage problem), redacted. */
  detail?: string;
  /** The cost is the reserved worst case (a timed-out call may have been billed). */
  estimated?: boolean;
  latencyMs: number;
}

/** Every attempt, in order: the report's cost table is their sum. */
export class CallRecorder {
  readonly records: CallRecord[] = [];
  /** Providers that timed out, answered off-shape or lied about usage: skipped for the rest of the run. */
  readonly faulty = new Map<string, string>();
  add(r: CallRecord): void {
    this.records.push(r);
  }
  totalUsd(): number {
    return this.records.reduce((a, r) => a + r.usd, 0);
  }
}

/** Records one task's calls and passes them on to the job's recorder. */
export class ChildRecorder extends CallRecorder {
  constructor(private readonly parent: CallRecorder) {
    super();
  }
  override add(r: CallRecord): void {
    super.add(r);
    this.parent.add(r);
  }
}
