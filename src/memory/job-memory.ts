import type { FileEdit } from '../autofix/fixer.js';
import type { CallRecord } from '../budget/call-model.js';
import type { Failure } from '../validation/failure.js';
import { failureKey } from '../validation/failure.js';
import type { FixMemory } from './fix-memory.js';
import type { MemorySize } from './memory-file.js';
import {
  examplesFor,
  learnRepairs,
  type MemoryHit,
  type MemoryTierResult,
  openFixMemory,
  type ProvenRepair,
} from './memory-tier.js';
import type { ReplayCache } from './replay-cache.js';

/** The report's `memory` block (README "Fix memory"). */
export interface MemoryReport {
  /** The memory tier: stored repairs replayed and proven here at $0. */
  hits: MemoryHit[];
  tried: number;
  rejected: number;
  savedUsd: number;
  /** Proven model repairs stored by this run. */
  learned: number;
  size: MemorySize;
  /** Exact replay cache: model requests answered from it. */
  cache: { hits: number; savedUsd: number; savedInputTokens: number; savedOutputTokens: number };
  warning?: string;
}

/** A task row of the report, as far as memory needs it. */
interface TaskRow {
  tier: string;
  tierPath: string[];
}

/**
 * Fix memory for one fix job: opened at the start, fed by the job's proofs (`onProven`), read
 * by the memory tier and the model prompts (`examples`), stored at the end (`finish`).
 */
export class JobMemory {
  readonly memory: FixMemory;
  readonly proven: ProvenRepair[] = [];
  tier?: MemoryTierResult;
  /** Why `memory.similarity: embedding` fell back to lexical, for the report. */
  similarityWarning?: string;

  constructor(root: string) {
    this.memory = openFixMemory(root);
  }

  readonly onProven = (taskId: string, fixed: Failure[], edits: FileEdit[], tier: string): void => {
    if (fixed.length > 0) this.proven.push({ taskId, tier, fixed, edits });
  };

  readonly examples = (failures: Failure[]): string[] => examplesFor(this.tier, failures);

  /** A $0 task row whose failures the memory repaired says so. */
  row<T extends TaskRow>(row: T, failures: Failure[]): T {
    if (!this.tier || !failures.some((f) => this.tier!.fixedKeys.has(failureKey(f)))) return row;
    return {
      ...row,
      tier: 'memory',
      tierPath: [...row.tierPath.filter((t) => t !== 'memory'), 'memory'],
    };
  }

  /** Stores the job's proven model repairs (priced by their task's calls) and reports. */
  finish(
    outcomes: { task: { id: string }; calls: CallRecord[] }[],
    cache: ReplayCache | undefined,
    save: boolean,
  ): MemoryReport {
    const usdOf = (id: string) =>
      outcomes.find((o) => o.task.id === id)?.calls.reduce((a, c) => a + c.usd, 0) ?? 0;
    const learned = save ? learnRepairs(this.memory, this.proven, usdOf) : 0;
    let size = this.memory.size();
    let warning =
      [this.memory.warning, this.similarityWarning].filter(Boolean).join('; ') || undefined;
    if (save && (learned > 0 || (this.tier?.hits.length ?? 0) > 0)) {
      try {
        size = this.memory.save();
      } catch (err) {
        warning = `fix memory not saved: ${(err as Error).message}`;
      }
    }
    const hits = this.tier?.hits ?? [];
    const cacheHits = cache?.hits ?? [];
    return {
      hits,
      tried: this.tier?.tried ?? 0,
      rejected: this.tier?.rejected ?? 0,
      savedUsd: hits.reduce((a, h) => a + h.savedUsd, 0),
      learned,
      size,
      cache: {
        hits: cacheHits.length,
        savedUsd: cacheHits.reduce((a, h) => a + h.savedUsd, 0),
        savedInputTokens: cacheHits.reduce((a, h) => a + h.savedUsage.inputTokens, 0),
        savedOutputTokens: cacheHits.reduce((a, h) => a + h.savedUsage.outputTokens, 0),
      },
      ...(warning ? { warning } : {}),
    };
  }
}

/** The PR cost table's footer: what the replay cache and fix memory saved in this run. */
export function memoryFooterMarkdown(m: MemoryReport): string {
  const $ = (n: number) => `$${n.toFixed(4)}`;
  return `<sub>Replay cache: ${m.cache.hits} hit(s), saved ${$(m.cache.savedUsd)} and ${m.cache.savedInputTokens + m.cache.savedOutputTokens} tokens · fix memory: ${m.hits.length} hit(s) of ${m.tried} tried, saved ${$(m.savedUsd)}; ${m.learned} repair(s) learned, ${m.size.entries} stored (${m.size.bytes} bytes)</sub>`;
}
